import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, BinaryCopyRows } from './copy-binary';

describe('binary COPY rows', () => {
  it('starts with the PGCOPY signature, no flags and no header extension, and ends with -1', () => {
    expect(BINARY_COPY_HEADER.toString('hex')).toBe('5047434f50590aff0d0a00' + '00000000' + '00000000');
    expect(BINARY_COPY_TRAILER.toString('hex')).toBe('ffff');
  });

  it('writes a row as its field count and each field as length and bytes', () => {
    const rows = new BinaryCopyRows(8);
    rows.ensure(64);
    rows.tuple(4);
    rows.int4(7);
    rows.byteaFromHex('00ff10');
    rows.bytes(Buffer.from('k1', 'utf8'));
    rows.fill(2, (buffer, offset) => buffer.writeUInt16BE(0xabcd, offset));
    expect(rows.take().toString('hex')).toBe(
      ['0004', '00000004', '00000007', '00000003', '00ff10', '00000002', '6b31', '00000002', 'abcd'].join(''),
    );
  });

  it('grows past its first buffer and starts afresh after take', () => {
    const rows = new BinaryCopyRows(4);
    for (let i = 0; i < 100; i++) {
      rows.ensure(10);
      rows.tuple(1);
      rows.int4(i);
    }
    const first = rows.take();
    expect(first.length).toBe(100 * 10);
    expect(first.readInt32BE(990 + 6)).toBe(99);
    rows.ensure(10);
    rows.tuple(1);
    rows.int4(5);
    expect(rows.take().length).toBe(10);
  });

  it('refuses a field that writes another length than it announced', () => {
    const rows = new BinaryCopyRows();
    rows.ensure(16);
    expect(() => rows.fill(4, (_buffer, offset) => offset + 3)).toThrow('wrote 3 bytes, not 4');
  });
});
