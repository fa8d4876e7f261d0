#!/bin/sh
# Dies of SIGSEGV before any output.
kill -SEGV $$
