# Build stage: the full Python image has the C compiler that mypyc needs, so the
# per-event path is compiled; dependencies come at the versions uv.lock pins, and the
# runtime image only receives the wheels.
FROM python:3.11.11-bookworm AS build
WORKDIR /src
RUN pip install --no-cache-dir uv==0.13.9
COPY pyproject.toml setup.py uv.lock README.md LICENSE ./
COPY ccpulse ./ccpulse
COPY windows ./windows
COPY state ./state
COPY stream ./stream
COPY exporters ./exporters
COPY sources ./sources
COPY devtools ./devtools
RUN uv export --frozen --no-emit-project --no-hashes > requirements.txt \
    && pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt \
    && pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11.11-slim-bookworm
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels ccpulse \
    && rm -rf /wheels && useradd --system --uid 10001 ccpulse
USER ccpulse
ENTRYPOINT ["ccpulse"]
CMD ["--help"]
