"""Who is who: agencies, departments, users and their roles, and the access helpers every app uses."""
