#!/bin/sh
# Entry point of the carmine image, behaving like the official redis image's:
# - `docker run carmine --appendonly yes` and `docker run carmine /path/redis.conf` run the server
#   with those arguments; `redis-server` as the command is accepted as a synonym of carmine;
# - protected mode is off inside the container unless a config file or an argument turns it on
#   (the official image builds Redis with protected mode off for the same reason);
# - data lives in /data (the working directory, Redis's default `dir ./`).
set -e
case "$1" in
  -*|*.conf) set -- carmine "$@" ;;
  redis-server) shift; set -- carmine "$@" ;;
esac
if [ "$1" = "carmine" ]; then
  shift
  case "$1" in
    ""|-*) set -- carmine --protected-mode no "$@" ;;
    *)
      # A config file: protected mode stays off unless the file itself sets it (options given
      # after the file still override both).
      conf="$1"
      shift
      if [ -r "$conf" ] && grep -qiE '^[[:space:]]*protected-mode[[:space:]]' "$conf"; then
        set -- carmine "$conf" "$@"
      else
        set -- carmine "$conf" --protected-mode no "$@"
      fi
      ;;
  esac
fi
exec "$@"
