# visits: built on Debian 12, run from a slim Debian 12 image with only the
# runtime libraries and nginx, as a user of its own. Used by
# docker-compose.yml; tests/docker.sh (make check-docker) builds and runs it
# on a base image made offline with debootstrap and tagged
# debian:bookworm-slim.
FROM debian:bookworm-slim AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential autoconf automake libtool pkg-config libfcgi-dev \
        librdkafka-dev libpq-dev libjansson-dev uuid-dev libsodium-dev libmicrohttpd-dev check \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi \
    && ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run \
        --with-systemdsystemunitdir=no \
    && make -j"$(nproc)" \
    && make install DESTDIR=/out

FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libfcgi0ldbl librdkafka1 libpq5 libjansson4 libuuid1 libsodium23 libmicrohttpd12 nginx-light \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin visits \
    && mkdir -p /run/visits /var/cache/visits \
    && chown visits:visits /run/visits /var/cache/visits /var/log/nginx
COPY --from=build /out/ /
COPY nginx/docker.conf /etc/nginx/nginx.conf
COPY www/demo /usr/share/visits/demo
USER visits
EXPOSE 8080
# Refuses a configuration that keeps more connections than the workers
# have threads (tools/visits-nginx-check), then runs nginx.
CMD ["sh", "-c", "visits-nginx-check && exec nginx -e stderr -g 'daemon off;'"]
