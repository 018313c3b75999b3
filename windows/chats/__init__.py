"""The chats domain: conversations with messages, response times."""
