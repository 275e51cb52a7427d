#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build the kernel of one flavour (release or debug) from
# $KSRC, out of tree in build/out-FLAVOUR, with ccache.
#
# The config is tinyconfig + configs/base.config + configs/FLAVOUR.config,
# merged with the kernel's merge_config.sh. It is regenerated only when a
# fragment or the kernel's Kconfig files change, and every option a fragment
# sets is checked: an option that did not take effect is an error.
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: kbuild.sh release|debug}
# make mutate never patches a tree under a build (lib.sh).
build_lock
frag=$TOP/configs/$flavour.config
[ -f "$frag" ] || die "unknown kernel flavour '$flavour'" "use one of: $(cd "$TOP/configs" && ls *.config | grep -v base | sed 's/.config$//' | tr '\n' ' ')"
[ -e "$KSRC/.git" ] || die "no kernel tree at $KSRC" "run: make tree"
out=$(kout "$flavour")
mkdir -p "$out"
base=$TOP/configs/base.config
extra=()
if [ "$BENCH_ARCH" != x86_64 ]; then
	# base.config without the options configs/ARCH.config drops ("#drop"),
	# then configs/ARCH.config.
	afrag=$TOP/configs/$BENCH_ARCH.config
	drop=$(sed -n 's/^#drop //p' "$afrag" | tr ' ' '\n' | grep . | sed 's/$/=/')
	base=$out/base-$BENCH_ARCH.config
	grep -v -F "$drop" "$TOP/configs/base.config" >"$base"
	extra+=("$afrag")
fi
grep -q '^config ANON_VMA_LAZY$' "$KSRC/mm/Kconfig" && extra+=("$TOP/configs/lazy.config")
[ -n "${EXTRA_CONFIG:-}" ] && extra+=("$EXTRA_CONFIG")

cfg_hash=$(cat "$base" "$frag" ${extra[@]+"${extra[@]}"} \
	<(cd "$KSRC" && git ls-files -z -- '*Kconfig*' | xargs -0 cat) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/.bench-config" 2>/dev/null)" != "$cfg_hash" ] || [ ! -f "$out/.config" ]; then
	say "configuring $flavour kernel"
	make -s -C "$KSRC" O="$out" ${KMAKE[@]+"${KMAKE[@]}"} tinyconfig >/dev/null
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"$base" "$frag" ${extra[@]+"${extra[@]}"} >"$out/merge.log" 2>&1 ||
		die "merge_config.sh failed" "see $out/merge.log"
	make -s -C "$KSRC" O="$out" ${KMAKE[@]+"${KMAKE[@]}"} olddefconfig >/dev/null
	bad=()
	while IFS= read -r line; do
		key=${line%%=*} val=${line#*=}
		if [ "$val" = n ]; then
			grep -q "^$key=" "$out/.config" && bad+=("$key should be off")
		else
			grep -qxF "$line" "$out/.config" || bad+=("$line (got: $(grep -E "^(# )?$key[= ]" "$out/.config" || echo unset))")
		fi
	done < <(cat "$base" "$frag" ${extra[@]+"${extra[@]}"} | grep -E '^CONFIG_[A-Z0-9_]+=')
	[ ${#bad[@]} -eq 0 ] || die "config options did not take effect in the $flavour kernel" "${bad[@]}" \
		"(a dependency is missing: see 'make O=$out menuconfig' or the option's Kconfig)"
	echo "$cfg_hash" >"$out/.bench-config"
fi

say "building $flavour kernel ($(cd "$KSRC" && git log -1 --format='%h %s' | cut -c1-60))"
if ! make -s -C "$KSRC" O="$out" ${KMAKE[@]+"${KMAKE[@]}"} -j"$JOBS" "$(basename "$KIMAGE")" >"$out/build.log" 2>&1; then
	grep -E 'error|Error' "$out/build.log" | head -20 >&2
	die "kernel build failed ($flavour)" "full log: $out/build.log"
fi
note "$out/$KIMAGE"
