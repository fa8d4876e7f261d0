#!/usr/bin/env python3
"""tests/fcgi_client.py — a raw FastCGI client for the tests, well behaved
or hostile.  Talks to sessionwrap's socket directly (no web server):

  fcgi_client.py SOCKET SCRIPT [options]     SOCKET: unix:/path or host:port

  (no option)           send the request, print the answer's STDOUT content
  --param NAME=VALUE    one more param, or one in place of a default
                        (repeatable)
  --query TEXT          QUERY_STRING
  --cookie VALUE        HTTP_COOKIE
  --body TEXT           a request body (CONTENT_LENGTH set)
  --announce N          CONTENT_LENGTH N, whatever the body's length
  --big-value NAME=N    a param whose value is N bytes of 'x'
  --many N              N more params (P0=1, P1=1, ...)
  --filler N            params of 60000 bytes each, N of them
  --begin-only          send BEGIN_REQUEST, then nothing
  --drip-body           params with CONTENT_LENGTH 10, then a STDIN record
                        header dripped a byte a second, never complete
  --no-read SECS        send the request, then read nothing for SECS
  --hold SECS           how long to wait for the server (default 30)

--begin-only says "sent BEGIN_REQUEST" on stderr once it has.  It ends by
printing one line to stderr: "closed after N.N s" (the server
closed the connection) or "still open after N.N s" (--hold passed), and
for --no-read "read N bytes" (all that came once we read).
"""
import socket
import struct
import sys
import time

BEGIN, ABORT, END, PARAMS, STDIN, STDOUT, STDERR = 1, 2, 3, 4, 5, 6, 7


def record(rtype, rid, content=b""):
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", 1, rtype, rid, len(content), pad, 0) + content + b"\0" * pad


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pairs(params):
    return b"".join(length(len(k)) + length(len(v)) + k + v for k, v in params)


def stream(rtype, rid, data):
    """data as records of at most 65535 bytes, then the empty end record"""
    out = b"".join(record(rtype, rid, data[i:i + 65535]) for i in range(0, len(data), 65535))
    return out + record(rtype, rid)


def connect(where):
    if where.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(where[5:])
    else:
        host, port = where.rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    return s


def begin(rid=1):
    return record(BEGIN, rid, struct.pack(">HB5x", 1, 0))


def request_params(script, extra, query=b""):
    p = [(b"GATEWAY_INTERFACE", b"CGI/1.1"), (b"REQUEST_METHOD", b"GET"),
         (b"SCRIPT_FILENAME", script.encode()), (b"SCRIPT_NAME", b"/" + script.split("/")[-1].encode()),
         (b"SERVER_PROTOCOL", b"HTTP/1.1"), (b"QUERY_STRING", query)]
    given = {k for k, _ in extra}      # a --param replaces a default
    return [kv for kv in p if kv[0] not in given] + extra


def wait_closed(s, hold, t0):
    """read until EOF or hold seconds; returns (bytes read, closed)"""
    got = b""
    s.settimeout(0.2)
    while time.monotonic() - t0 < hold:
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return got, True
        if not b:
            return got, True
        got += b
    return got, False


def parse_answer(data):
    out, err, i = b"", b"", 0
    while i + 8 <= len(data):
        _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", data[i:i + 8])
        c = data[i + 8:i + 8 + clen]
        if rtype == STDOUT:
            out += c
        elif rtype == STDERR:
            err += c
        i += 8 + clen + plen
    return out, err


def main(argv):
    where, script = argv[1], argv[2]
    extra, body, mode, hold, noread, query = [], b"", "normal", 30.0, 0.0, b""
    announce = None
    args = argv[3:]
    while args:
        a = args.pop(0)
        if a == "--param":
            k, v = args.pop(0).split("=", 1)
            extra.append((k.encode(), v.encode()))
        elif a == "--query":
            query = args.pop(0).encode()
        elif a == "--cookie":
            extra.append((b"HTTP_COOKIE", args.pop(0).encode()))
        elif a == "--body":
            body = args.pop(0).encode()
        elif a == "--announce":
            announce = args.pop(0).encode()
        elif a == "--big-value":
            k, n = args.pop(0).split("=", 1)
            extra.append((k.encode(), b"x" * int(n)))
        elif a == "--many":
            extra += [(b"P%d" % i, b"1") for i in range(int(args.pop(0)))]
        elif a == "--filler":
            extra += [(b"HTTP_X_FILL%d" % i, b"x" * 60000) for i in range(int(args.pop(0)))]
        elif a in ("--begin-only", "--drip-body"):
            mode = a[2:]
        elif a == "--no-read":
            noread = float(args.pop(0))
        elif a == "--hold":
            hold = float(args.pop(0))
        else:
            sys.exit("fcgi_client.py: unknown option " + a)
    s = connect(where)
    t0 = time.monotonic()
    if mode == "begin-only":
        s.sendall(begin())
        print("sent BEGIN_REQUEST", file=sys.stderr, flush=True)
    elif mode == "drip-body":
        s.sendall(begin() + stream(PARAMS, 1, pairs(request_params(script, query=query, extra=extra + [
            (b"REQUEST_METHOD", b"POST"), (b"CONTENT_LENGTH", b"10")]))))
        # A STDIN record header, one byte a second, never all 8 of it.
        s.setblocking(False)
        for b in record(STDIN, 1, b"0123456789")[:7]:
            try:
                s.send(bytes([b]))
                if s.recv(1, socket.MSG_PEEK) == b"":
                    break
            except BlockingIOError:
                pass
            except OSError:
                break
            time.sleep(1)
            if time.monotonic() - t0 > hold:
                break
        s.setblocking(True)
    else:
        if body or announce is not None:
            extra.append((b"CONTENT_LENGTH", announce if announce is not None else str(len(body)).encode()))
        data = begin() + stream(PARAMS, 1, pairs(request_params(script, extra, query))) + \
            stream(STDIN, 1, body)
        try:
            s.sendall(data)
        except OSError as e:
            print("send failed: %s" % e, file=sys.stderr)
        if noread:
            time.sleep(noread)
    got, closed = wait_closed(s, hold, t0)
    out, err = parse_answer(got)
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    if err:
        sys.stderr.buffer.write(err)
    if noread:
        print("read %d bytes" % len(out), file=sys.stderr)
    print("%s after %.1f s" % ("closed" if closed else "still open", time.monotonic() - t0),
          file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
