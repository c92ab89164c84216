#!/usr/bin/env python3
"""Latency of pages and API calls against a running `qinglian serve`, over one keep-alive
connection per user (what a browser does). Used to produce the numbers in BENCHMARKS.md and
the issue notes; `qinglian bench` is the full harness.

usage: measure.py BASE_URL LOGINS_JSON USER:NEWPASS PATH [PATH ...] [--n 200]
"""
import http.client, json, re, sys, time, urllib.parse

def parse_args():
    args = sys.argv[1:]
    n = 200
    if "--n" in args:
        i = args.index("--n"); n = int(args[i + 1]); del args[i:i + 2]
    return args[0], args[1], args[2], args[3:], n

class Session:
    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port)
        self.cookies = {}
    def req(self, method, path, body=None, headers=None):
        h = {"Host": "localhost", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if headers: h.update(headers)
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse(); data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, val = v.split(";")[0].split("=", 1)
                if "Max-Age=0" in v: self.cookies.pop(name, None)
                else: self.cookies[name] = val
        return r.status, data.decode("utf-8", "replace")
    def csrf(self, html):
        m = re.search(r'name="_csrf" value="([^"]+)"', html); return m.group(1) if m else ""
    def form(self, path, fields, html):
        body = urllib.parse.urlencode({**fields, "_csrf": self.csrf(html)})
        return self.req("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

def login(base, logins, user, newpw):
    s = Session(base)
    pw = next(l["password"] for l in logins if l["username"] == user)
    _, html = s.req("GET", "/login")
    st, _ = s.form("/login", {"username": user, "password": pw}, html)
    if st != 303:  # already changed: use the new password
        _, html = s.req("GET", "/login")
        s.form("/login", {"username": user, "password": newpw}, html)
    _, html = s.req("GET", "/account/password")
    if "current" in html:
        s.form("/account/password", {"current": pw, "new": newpw, "confirm": newpw}, html)
    return s

def main():
    base, logins_file, who, paths, n = parse_args()
    logins = json.load(open(logins_file))["logins"]
    user, newpw = who.split(":", 1)
    s = login(base, logins, user, newpw)
    for p in paths:
        for _ in range(5): s.req("GET", p)
        times = []
        status = None
        for _ in range(n):
            t = time.perf_counter(); status, body = s.req("GET", p); times.append((time.perf_counter() - t) * 1000)
        times.sort()
        m = re.search(r'共 (\d+) 条|"total":(\d+)', body)
        total = (m.group(1) or m.group(2)) if m else "?"
        print(f"{user:12} {p[:70]:70} status={status} rows={total:>7} p50={times[n//2]:7.2f} ms  p99={times[min(n-1, int(n*0.99))]:7.2f} ms")

if __name__ == "__main__":
    main()
