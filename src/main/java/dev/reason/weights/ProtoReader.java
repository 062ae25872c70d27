package dev.reason.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cursor over one protobuf message in a buffer (the wire format: tags, varints, fixed 32/64-bit values and
 * length-delimited fields). Length-delimited values come back as slices of the same buffer, never copies, so a
 * memory-mapped model is read without loading its weights. Malformed input throws IllegalArgumentException.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final ByteBuffer buf;
    private final long base;
    private int pos;
    private final int end;
    private int field;
    private int wireType;

    /** Reads all of buf (from index 0 to its limit); base is where buf starts in the file, for messages. */
    ProtoReader(ByteBuffer buf, long base) {
        this.buf = buf;
        this.base = base;
        this.end = buf.limit();
    }

    /** Advances to the next field; false at the end of the message. */
    boolean next() {
        if (pos >= end) {
            return false;
        }
        long tag = varint();
        field = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        if (field == 0) {
            throw malformed("field number 0");
        }
        return true;
    }

    int field() {
        return field;
    }

    int wireType() {
        return wireType;
    }

    long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw malformed("truncated varint");
            }
            byte b = buf.get(pos++);
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw malformed("varint longer than 10 bytes");
    }

    /** The current length-delimited field as a little-endian slice (index 0 is its first byte). */
    ByteBuffer bytes() {
        return message().buf;
    }

    String string() {
        ByteBuffer b = bytes();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    /** The current length-delimited field as an embedded message. */
    ProtoReader message() {
        expect(LENGTH_DELIMITED);
        long n = varint();
        if (n < 0 || n > end - pos) {
            throw malformed("a field of " + n + " bytes runs past the end of its message (truncated file?)");
        }
        ProtoReader r = new ProtoReader(buf.slice(pos, (int) n).order(ByteOrder.LITTLE_ENDIAN), base + pos);
        pos += (int) n;
        return r;
    }

    /** A repeated int64 field, packed or one value per tag, appended to out. */
    void int64s(LongList out) {
        if (wireType == LENGTH_DELIMITED) {
            ProtoReader packed = message();
            while (packed.pos < packed.end) {
                out.add(packed.varint());
            }
        } else {
            expect(VARINT);
            out.add(varint());
        }
    }

    void skip() {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> message();
            case FIXED32 -> advance(4);
            default -> throw malformed("unsupported wire type " + wireType);
        }
    }

    private void advance(int n) {
        if (n > end - pos) {
            throw malformed("truncated fixed-width value");
        }
        pos += n;
    }

    private void expect(int type) {
        if (wireType != type) {
            throw malformed("field " + field + " has wire type " + wireType + ", expected " + type);
        }
    }

    private IllegalArgumentException malformed(String what) {
        return new IllegalArgumentException(what + " at byte " + (base + pos));
    }

    /** A growable long array: dims and ints attributes without boxing. */
    static final class LongList {
        private long[] a = new long[4];
        private int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, 2 * n);
            }
            a[n++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
