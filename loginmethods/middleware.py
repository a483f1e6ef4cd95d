from .browsers import cookie_set


class BrowserCookieMiddleware:
    """Sets the approved-browser cookie when a login handed out a new key."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        cookie_set(request, response)
        return response
