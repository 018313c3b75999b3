"""The surveys domain: CSAT, NPS and CES answers, response and follow-up rates."""
