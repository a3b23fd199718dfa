"""The baseline: a bare Flask "hello" app, served the same way as the platform."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello"
