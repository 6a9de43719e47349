"""The staff web frame (工作台框架): what every app's staff pages share.

It sits on the floor just above ``org`` and below every domain app: the decorator that admits signed-in staff and
turns service errors into Chinese 403/404 answers (``frame``), the agency a user is working on (``desk``), the small
form pieces the action forms share (``forms``), and the page frame with its includes (``templates/staff/``). It knows
no domain: the navigation is composed by ``workspace`` through a context processor.
"""
