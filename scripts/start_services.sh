#!/usr/bin/env bash
# Make sure the services the scale-out tests use answer on loopback: PostgreSQL (5432, trust auth,
# database `test`), Redis (6379) and RabbitMQ (5672, guest/guest). Each one that does not answer is started
# as the Debian service (installed if missing). The embedded default needs none of them.
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

sudo_cmd=()
[[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)

ensure() {  # ensure PORT DEBIAN-PACKAGE SERVICE
  local port=$1 package=$2 service=$3
  answers "$port" && return 0
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    echo "installing $package"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$package"
  fi
  echo "starting $service"
  "${sudo_cmd[@]}" service "$service" start || true
  for _ in $(seq 1 60); do answers "$port" && return 0; sleep 1; done
  echo "warning: $service does not answer on 127.0.0.1:$port; its tests will be skipped" >&2
}

ensure 5432 postgresql postgresql
ensure 6379 redis-server redis-server
ensure 5672 rabbitmq-server rabbitmq-server

# trust auth for the postgres user on loopback, and the `test` database, as the machines provide them
if answers 5432 && ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
  echo "warning: PostgreSQL answers but postgres@127.0.0.1/test cannot be used without a password" >&2
fi
exit 0
