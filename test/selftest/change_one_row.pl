#!/usr/bin/perl
# backup-e2e self-test: change exactly one byte inside row 50 of `customers`
# (the first letter of its name) in a restored dump, so that the dump still
# loads. Row 50 is not one of the every-97th rows (id % 97 == 1) a sampled
# digest read. Knows the three dump formats of fixtures/databases/DbKit.cpp:
#   mariadb-dump SQL text; pg_dump -Fc written to a pipe (zlib data blocks,
#   no offsets in the TOC); mongodump --archive --gzip (a gzip'd archive whose
#   end-of-namespace headers carry a CRC-64-ECMA of the documents).
# Prints what it changed; exits non-zero when it cannot, so no run passes by
# changing nothing.
use strict;
use warnings;
no warnings "portable";   # the CRC-64 polynomial is a 64-bit literal
use Compress::Zlib qw(compress uncompress memGunzip memGzip);

my $file = shift or die "usage: $0 FILE\n";
open(my $in, '<:raw', $file) or die "cannot read $file: $!\n";
my $d = do { local $/; <$in> };
close $in;

sub other { return $_[0] eq 'x' ? 'y' : 'x' }   # a different name letter, same length

sub write_back {
    my ($bytes, $what) = @_;
    open(my $out, '>:raw', $file) or die "cannot write $file: $!\n";
    print $out $bytes;
    close $out or die "cannot write $file: $!\n";
    print "changed one byte in $file: $what\n";
    exit 0;
}

if ($d =~ /\A-- MariaDB dump|\A\/\*|INSERT INTO `customers`/) {
    # the customers INSERT, up to the statement after it; its rows start "(id,'name'"
    # after a comma or a line end (one line per row or all on one line)
    my $s = index($d, 'INSERT INTO `customers` VALUES');
    die "no customers INSERT in the SQL dump\n" if $s < 0;
    my $e = index($d, 'ENABLE KEYS', $s);
    $e = length $d if $e < 0;
    pos($d) = $s;
    $d =~ /[\n,]\(50,'/g && $+[0] < $e or die "no customers row 50 in the SQL dump\n";
    substr($d, $+[0], 1) = other(substr($d, $+[0], 1));
    write_back($d, "customers row 50, first letter of name (SQL text)");
}

if (substr($d, 0, 5) eq 'PGDMP') {
    die "pg_dump custom format with intSize " . ord(substr($d, 8, 1)) . "\n" unless ord(substr($d, 8, 1)) == 4;
    # a data block: BLK_DATA (1), int dumpId, then chunks (int length, bytes) up
    # to a zero length; an int is a sign byte and 4 bytes little-endian
    while ($d =~ /\x01\x00....(?=\x00....\x78[\x01\x5e\x9c\xda])/gs) {
        my $start = $+[0];
        my ($p, $z, $ok) = ($start, '', 1);
        while (1) {
            if ($p + 5 > length $d) { $ok = 0; last }
            my ($sign, $len) = (ord(substr($d, $p, 1)), unpack('V', substr($d, $p + 1, 4)));
            $p += 5;
            if ($sign != 0 || $p + $len > length $d) { $ok = 0; last }
            last if $len == 0;
            $z .= substr($d, $p, $len);
            $p += $len;
        }
        next unless $ok;
        my $text = uncompress($z);
        next unless defined $text && $text =~ /\A1\t[^\t\n]*\t[^\t\n]*\@example\.test\t/;   # customers: id, name, email
        $text =~ s/^50\t(.)/"50\t" . other($1)/me or die "no customers row 50 in the COPY data\n";
        my $nz = compress($text);
        substr($d, $start, $p - $start) = "\x00" . pack('V', length $nz) . $nz . "\x00" . pack('V', 0);
        write_back($d, "customers row 50, first letter of name (COPY data, recompressed)");
    }
    die "no customers data block in the custom-format dump (was it written to a seekable file?)\n";
}

if (substr($d, 0, 2) eq "\x1f\x8b") {
    my $a = memGunzip($d);
    die "cannot gunzip $file\n" unless defined $a;
    die "not a mongodump archive\n" unless unpack('V', substr($a, 0, 4)) == 0x8199e26d;
    # Go's hash/crc64 with the ECMA table: reflected, inverted before and after
    my @table;
    for my $i (0 .. 255) {
        my $c = $i;
        for (1 .. 8) { $c = ($c & 1) ? (($c >> 1) ^ 0xC96C5795D7870F42) : ($c >> 1) }
        $table[$i] = $c;
    }
    my $crc64 = sub {
        my $c = ~0;
        $c = $table[($c ^ $_) & 0xFF] ^ ($c >> 8) for unpack('C*', $_[0]);
        return ~$c;
    };
    my $str = sub { my ($doc, $key) = @_; return $doc =~ /\x02\Q$key\E\x00(....)/s ? substr($doc, $+[0], unpack('V', $1) - 1) : undef };
    my $p = 4;
    my $doc = sub { my $n = unpack('V', substr($a, $p, 4)); my $at = $p; $p += $n; return ($at, $n) };
    $doc->();                                                         # the archive header
    while (unpack('V', substr($a, $p, 4)) != 0xFFFFFFFF) { $doc->() }   # collection metadata
    $p += 4;
    my ($data, $changed, $where) = ('', '', undef);
    while ($p < length $a) {
        my ($at, $n) = $doc->();
        my $header = substr($a, $at, $n);
        my $ours = ($str->($header, 'collection') // '') eq 'customers';
        if ($header =~ /\x08EOF\x00\x01/) {   # end of the namespace: its CRC covers every document
            $p += 4;
            next unless $ours;
            $header =~ /\x12CRC\x00/ or die "no CRC in the customers EOF header\n";
            my $crc_at = $at + $+[0];
            my $stored = unpack('Q<', substr($a, $crc_at, 8));
            die sprintf("CRC-64 of the customers documents is %016x, the archive says %016x\n", $crc64->($data), $stored)
                unless $crc64->($data) == $stored;
            die "no customers document 50 in the archive\n" unless defined $where;
            substr($a, $where, 1) = other(substr($a, $where, 1));
            substr($a, $crc_at, 8) = pack('Q<', $crc64->($changed));
            write_back(memGzip($a), "customers document 50, first letter of name (archive CRC updated)");
        }
        while (unpack('V', substr($a, $p, 4)) != 0xFFFFFFFF) {   # the segment's documents
            my ($at2, $n2) = $doc->();
            next unless $ours;
            my $one = substr($a, $at2, $n2);
            $data .= $one;
            if (!defined $where && $one =~ /\A....\x12_id\x00\x32\x00{7}/s && $one =~ /\x02name\x00..../gs) {
                $where = $at2 + $+[0];
                substr($one, $+[0], 1) = other(substr($one, $+[0], 1));
            }
            $changed .= $one;
        }
        $p += 4;
    }
    die "no end of the customers namespace in the archive\n";
}

die "$file is none of the dump formats this script knows\n";
