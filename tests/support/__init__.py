"""What the tests run the service with: in process (over ASGI) or as a real server."""
