# visits: build on Debian 12, run from a slim Debian 12 image with only the
# runtime libraries. Used by docker-compose.yml.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential autoconf automake libtool pkg-config libfcgi-dev \
        librdkafka-dev libpq-dev libjansson-dev uuid-dev check \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi \
    && ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run \
        --with-systemdsystemunitdir=no \
    && make -j"$(nproc)" \
    && make install DESTDIR=/out

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libfcgi0ldbl librdkafka1 libpq5 libjansson4 libuuid1 nginx-light \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /run/visits && chown www-data:www-data /run/visits
COPY --from=build /out/ /
COPY nginx/docker.conf /etc/nginx/nginx.conf
