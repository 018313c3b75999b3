FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ccpulse ./ccpulse
COPY stream ./stream
COPY windows ./windows
COPY exporters ./exporters
RUN pip install --no-cache-dir . && useradd --system --uid 10001 ccpulse
USER ccpulse
ENTRYPOINT ["ccpulse"]
CMD ["--help"]
