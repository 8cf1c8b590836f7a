#!/bin/sh
# regen.sh OVERHEAD: re-create the golden inputs (synthetic profiles written
# with perl's pack) and the expected outputs of every case in cases.sh from
# the given `overhead` binary. Review the diff before committing.
set -eu
overhead=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")"
. ./cases.sh
# prof FILE FORMAT RECORDS...: header, records "count:pc,pc,...", trailer, maps
prof() {
    perl -e '
        my ($file, $fmt, @recs) = @ARGV;
        my @w = (0, 3, 0, 4000, 0);
        for my $r (@recs) {
            my ($c, $pcs) = split /:/, $r;
            my @p = map { hex } split /,/, $pcs;
            push @w, $c, scalar(@p), @p;
        }
        push @w, 0, 1, 0;
        open my $f, ">", $file or die;
        binmode $f;
        print $f pack("$fmt*", @w);
        print $f "7f0000000000-7f0000010000 r-xp 00000000 08:01 42 /nonexistent/libgone.so\n";
        print $f "7fff00000000-7fff00002000 r-xp 00000000 00:00 0 [vdso]\n";
    ' "$@"
}
A='5:7f0000000100,7f0000000200 3:7fff00000100,7f0000000200 2:7f0000000100,7f0000000200 1:10'
prof a-64le.prof 'Q<' $A
prof a-64be.prof 'Q>' $A
prof a-32le.prof 'L<' '5:100,200' '3:300' '2:100,200' '1:10'
prof b-64le.prof 'Q<' '20:7fff00000100,7f0000000200' '4:10'
prof empty.prof 'Q<'
head -c 60 a-64le.prof > trunc.prof
echo "$cases" | while read -r name args; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086
    "$overhead" $args > "$name.out" 2> "$name.err" && rc=0 || rc=$?
    echo "[exit $rc]" >> "$name.err"
done
