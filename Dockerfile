FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN pip install --no-cache-dir "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY memory_service ./memory_service
COPY workers ./workers
COPY schemas ./schemas
COPY memory_service_client ./memory_service_client
COPY client ./client
RUN pip install --no-cache-dir "./client[mcp]" && pip install --no-cache-dir .
RUN useradd --create-home memory
USER memory
EXPOSE 8080
CMD ["memory-service", "serve", "--host", "0.0.0.0", "--port", "8080"]
