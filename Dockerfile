# The node's container image (docs/deploy.md): built from this repository, run as a non-root user.
#   docker build -t shanghaichain:1.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Node -c Release -o /out

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# RocksDB's native library needs these at run time.
RUN apt-get update && apt-get install -y --no-install-recommends libsnappy1v5 liblz4-1 libzstd1 zlib1g libbz2-1.0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --create-home --home-dir /home/shanghaichain shanghaichain
COPY --from=build /out /opt/shanghaichain
RUN printf '#!/bin/sh\nexec dotnet /opt/shanghaichain/shanghaichain.dll "$@"\n' > /usr/local/bin/shanghaichain && chmod 755 /usr/local/bin/shanghaichain
USER shanghaichain
EXPOSE 26656 26657 26660
ENTRYPOINT ["shanghaichain"]
CMD ["start", "--home", "/home/shanghaichain"]
