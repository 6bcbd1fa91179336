#!/usr/bin/env bash
# Kokkos 3.4 and KokkosKernels 3.4 with the OpenMP backend (Serial beside it),
# built from Debian's own source package `trilinos` (13.2.0-4), which carries
# both under packages/. Debian's binary Kokkos enables Serial only; this is how
# the test command proves the kernels on real threads.
#
#   cluster/kokkos-openmp.sh            # prints the install prefix
#
# Cached outside the clone (TRACTABLE_KOKKOS_OPENMP, default
# /var/tmp/tractable-kokkos-openmp-3.4) and rebuilt only when missing. apt
# verifies the source against the signed .dsc; nothing is committed.
set -euo pipefail
PREFIX=${TRACTABLE_KOKKOS_OPENMP:-/var/tmp/tractable-kokkos-openmp-3.4}
VERSION=13.2.0-4
if [ -f "$PREFIX/.complete" ]; then echo "$PREFIX"; exit 0; fi

log=$(mktemp /tmp/tractable-kokkos-openmp.XXXXXX.log)
fail() { tail -n 40 "$log" >&2; echo "kokkos-openmp: $1 (log: $log)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/tractable-trilinos-src.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get source --download-only "trilinos=$VERSION" >> "$log" 2>&1; then
  # The source index needs a deb-src line for bookworm; add Debian's own once.
  [ "$(id -u)" -eq 0 ] || fail "no deb-src line for trilinos and not root to add one"
  cat > /etc/apt/sources.list.d/tractable-deb-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt-get update -qq >> "$log" 2>&1 || fail "apt-get update failed"
  apt-get source --download-only "trilinos=$VERSION" >> "$log" 2>&1 || fail "apt-get source trilinos=$VERSION failed"
fi
# Only the two packages, not the whole 1.5 GB tree.
tar xzf trilinos_13.2.0.orig.tar.gz --wildcards '*/packages/kokkos/*' '*/packages/kokkos-kernels/*' >> "$log" 2>&1 \
  || fail "unpacking the trilinos source failed"
src=$(echo "$work"/Trilinos-*/packages)

jobs=$(nproc)
cmake -S "$src/kokkos" -B build-kokkos -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=17 \
  -DCMAKE_CXX_EXTENSIONS=OFF -DBUILD_SHARED_LIBS=ON -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_OPENMP=ON >> "$log" 2>&1 || fail "configuring Kokkos failed"
cmake --build build-kokkos -j "$jobs" >> "$log" 2>&1 || fail "building Kokkos failed"
cmake --install build-kokkos >> "$log" 2>&1 || fail "installing Kokkos failed"

# Tractable calls KokkosBlas::gemm only; on the host it goes to the BLAS TPL
# (libblas.so.3, OpenBLAS), so the explicit instantiations are not needed.
cmake -S "$src/kokkos-kernels" -B build-kk -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=17 \
  -DCMAKE_CXX_EXTENSIONS=OFF -DBUILD_SHARED_LIBS=ON -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DKokkos_ROOT="$PREFIX" -DKokkosKernels_ADD_DEFAULT_ETI=OFF -DKokkosKernels_ENABLE_TPL_BLAS=ON \
  >> "$log" 2>&1 || fail "configuring KokkosKernels failed"
cmake --build build-kk -j "$jobs" >> "$log" 2>&1 || fail "building KokkosKernels failed"
cmake --install build-kk >> "$log" 2>&1 || fail "installing KokkosKernels failed"
echo "trilinos $VERSION (Debian source): Kokkos + KokkosKernels, Serial + OpenMP" > "$PREFIX/.complete"
rm -f "$log"
echo "$PREFIX"
