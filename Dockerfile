# Build stage: the full Python image has the C compiler that mypyc needs, so the
# per-event path is compiled; the runtime image only receives the wheels.
FROM python:3.11 AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY ccpulse ./ccpulse
COPY stream ./stream
COPY windows ./windows
COPY exporters ./exporters
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels ccpulse \
    && rm -rf /wheels && useradd --system --uid 10001 ccpulse
USER ccpulse
ENTRYPOINT ["ccpulse"]
CMD ["--help"]
