# carmine as a drop-in for the official redis image:
#   docker build -t carmine .
#   docker run -p 6379:6379 carmine                       # cache with defaults, data in /data
#   docker run -p 6379:6379 carmine --appendonly yes --requirepass secret
#   docker run -v $PWD/redis.conf:/usr/local/etc/redis/redis.conf carmine /usr/local/etc/redis/redis.conf
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin carmine

FROM debian:bookworm-slim
RUN groupadd -r -g 999 redis && useradd -r -g redis -u 999 redis \
 && mkdir -p /data /usr/local/etc/redis && chown redis:redis /data
COPY --from=build /src/target/release/carmine /usr/local/bin/carmine
COPY tools/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN ln -s /usr/local/bin/carmine /usr/local/bin/redis-server
WORKDIR /data
VOLUME /data
EXPOSE 6379
USER redis
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["carmine"]
