"""Locust scenarios of a real day in Suqian, runnable headless against any base URL.

morning_rush.py        citizens open their code, gates at bus stops and offices scan it
registration_burst.py  new citizens register (real-name: population registry + SMS code)
login_storm.py         everyone logs in at once (Argon2id), while a load balancer probes /health/live

uv run locust -f load-tests/src/load_tests/scenarios/morning_rush.py --headless \\
    -u 200 -r 20 -t 2m --host http://127.0.0.1:8000 --admin-password ...

See load-tests/README.md for the options and what each scenario needs from the server.
"""
