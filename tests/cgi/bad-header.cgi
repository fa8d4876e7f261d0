#!/bin/sh
# Body before headers: not a CGI response.
printf 'this is not a header\n\nbody\n'
