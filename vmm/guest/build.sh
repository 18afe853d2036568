#!/bin/sh
# build.sh - fetch a Debian cloud kernel and BusyBox, and pack the Linux guest.
#
# Usage: vmm/guest/build.sh [OUTDIR]      (default: ./linux-guest)
#
# Produces in OUTDIR:
#   vmlinux        the decompressed ELF kernel (what rondo-demo-vmm --kernel takes;
#                  under a software hypervisor a bzImage's decompressor is too slow)
#   bzImage        the kernel as Debian ships it
#   initramfs.cpio.gz  BusyBox, the virtio modules and an /init running the workload
#
# Packages are taken with `apt-get download` and unpacked with dpkg-deb -x:
# nothing is installed. Needs: apt-get, dpkg-deb, cpio, gzip, xz/zstd.
set -eu

out=${1:-linux-guest}
mkdir -p "$out/work"
out=$(cd "$out" && pwd)
work=$out/work

die() { echo "build.sh: $*" >&2; exit 1; }
for tool in apt-get apt-cache dpkg-deb cpio gzip; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install $tool)"
done

# The newest cloud kernel apt knows about, unless KERNEL_PACKAGE names one.
pkg=${KERNEL_PACKAGE:-$(apt-cache search --names-only '^linux-image-[0-9].*-cloud-amd64-unsigned$' |
  cut -d' ' -f1 | sort -V | tail -n 1)}
[ -n "$pkg" ] || die "no linux-image-*-cloud-amd64-unsigned package (run apt-get update)"

cd "$work"
if [ ! -d kernel ]; then
  apt-get download "$pkg" busybox-static
  dpkg-deb -x linux-image-*.deb kernel
  dpkg-deb -x busybox-static_*.deb busybox
fi

# --- vmlinux: the bzImage's payload (offset/length in the setup header), decompressed.
bz=$(ls kernel/boot/vmlinuz-*)
cp "$bz" "$out/bzImage"
u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
setup_sects=$(od -An -t u1 -j 497 -N 1 "$bz" | tr -d ' ')
[ "$setup_sects" -eq 0 ] && setup_sects=4
payload_offset=$(( (setup_sects + 1) * 512 + $(u32 "$bz" 584) ))
payload_length=$(u32 "$bz" 588)
tail -c +"$((payload_offset + 1))" "$bz" | head -c "$payload_length" > payload
# xz and zstd payloads end with 4 bytes of decompressed size, not part of the stream.
head -c "$((payload_length - 4))" payload > payload.stream
magic=$(od -An -t x1 -N 4 payload | tr -d ' ')
case $magic in
  fd377a58) xz -dc < payload.stream > "$out/vmlinux" ;;
  28b52ffd) zstd -qdc < payload.stream > "$out/vmlinux" ;;
  1f8b*) gzip -dc < payload > "$out/vmlinux" ;;
  *) die "unknown kernel compression (magic $magic)" ;;
esac
head -c 4 "$out/vmlinux" | od -An -c | grep -q 'E   L   F' || die "extracted kernel is not ELF"

# --- initramfs
root=$work/initramfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/modules"
cp busybox/bin/busybox "$root/bin/busybox"
# The modules /init loads, in this order (modules/order), and the option
# that builds each one in instead.
modules="virtio:VIRTIO virtio_ring:VIRTIO virtio_mmio:VIRTIO_MMIO virtio_blk:VIRTIO_BLK
  virtio-rng:HW_RANDOM_VIRTIO"
: > "$root/modules/order"
for entry in $modules; do
  m=${entry%%:*}
  f=$(find kernel/lib/modules -name "$m.ko*" | head -n 1)
  if [ -z "$f" ]; then  # built in (newer kernels have virtio and virtio_ring =y)
    grep -q "^CONFIG_${entry#*:}=y" kernel/boot/config-* || die "module $m not found in $pkg"
    continue
  fi
  case $f in
    *.xz) xz -dc "$f" > "$root/modules/$m.ko" ;;
    *.zst) zstd -dc "$f" > "$root/modules/$m.ko" ;;
    *) cp "$f" "$root/modules/$m.ko" ;;
  esac
  echo "$m" >> "$root/modules/order"
done
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
# The Linux guest's workload: CPU bursts, disk I/O on /dev/vda, 16 bytes
# from virtio-rng (/dev/hwrng), idle; then reboot.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "/modules/$m.ko"; done < /modules/order
echo "rondo-linux-guest: up, $(cat /proc/uptime | cut -d' ' -f1) s"
seconds=$(sed -n 's/.*rondo.seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
i=0
while [ "$i" -lt "${seconds:-45}" ]; do
  n=0; while [ $n -lt 20000 ]; do n=$((n + 1)); done
  if [ -b /dev/vda ]; then
    dd if=/dev/urandom of=/dev/vda bs=4096 count=16 seek=$((i % 64 * 16)) conv=fsync 2>/dev/null
    dd if=/dev/vda of=/dev/null bs=4096 count=16 skip=$((i % 64 * 16)) 2>/dev/null
  fi
  [ -c /dev/hwrng ] && dd if=/dev/hwrng of=/dev/null bs=16 count=1 2>/dev/null
  echo "rondo-linux-guest: cycle $i"
  sleep 1
  i=$((i + 1))
done
echo "rondo-linux-guest: done"
reboot -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initramfs.cpio.gz"
echo "build.sh: $pkg -> $out/vmlinux, $out/bzImage, $out/initramfs.cpio.gz"
