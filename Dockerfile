FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
EXPOSE 8000 5514/udp 5514/tcp
CMD ["gunicorn", "syslogcloud.wsgi:application", "--bind", "0.0.0.0:8000"]
