// Checks a Mach-O executable signed ad hoc by scripts/sea/macho-sign, independently of the signer (no Mac here to
// run `codesign --verify`): the signature's CodeDirectory is ad hoc, SHA-256, named as asked, covers the whole file
// up to the signature, and every page hash and special slot matches; signing changed no byte after the load
// commands; the SEA blob sits in NODE_SEA/__NODE_SEA_BLOB, where Node looks for it.
//
//   node scripts/sea/macho.mjs FILE   prints what it found (a check of any Mach-O signature's page hashes)
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const MH_MAGIC_64 = 0xfeedfacf;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_ADHOC = 0x2;
const CS_HASHTYPE_SHA256 = 2;
const cstr = (buf, off, len) =>
  buf
    .subarray(off, off + len)
    .toString('latin1')
    .replace(/\0.*$/s, '');

export function parseMachO(buf) {
  if (buf.readUInt32LE(0) !== MH_MAGIC_64) throw new Error('not a 64-bit little-endian Mach-O');
  const cputype = buf.readUInt32LE(4);
  const ncmds = buf.readUInt32LE(16);
  const sizeofcmds = buf.readUInt32LE(20);
  const segments = [];
  let codeSignature;
  for (let i = 0, off = 32; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(off);
    const size = buf.readUInt32LE(off + 4);
    if (cmd === LC_SEGMENT_64) {
      const seg = {
        name: cstr(buf, off + 8, 16),
        vmaddr: Number(buf.readBigUInt64LE(off + 24)),
        vmsize: Number(buf.readBigUInt64LE(off + 32)),
        fileoff: Number(buf.readBigUInt64LE(off + 40)),
        filesize: Number(buf.readBigUInt64LE(off + 48)),
        sections: [],
      };
      const nsects = buf.readUInt32LE(off + 64);
      for (let s = 0, so = off + 72; s < nsects; s++, so += 80) {
        seg.sections.push({ name: cstr(buf, so, 16), size: Number(buf.readBigUInt64LE(so + 40)), offset: buf.readUInt32LE(so + 48) });
      }
      segments.push(seg);
    } else if (cmd === LC_CODE_SIGNATURE) {
      codeSignature = { dataoff: buf.readUInt32LE(off + 8), datasize: buf.readUInt32LE(off + 12) };
    }
    off += size;
  }
  return { cputype, headerEnd: 32 + sizeofcmds, segments, codeSignature };
}

/** Verifies the embedded signature's CodeDirectory against the file; returns what it found. */
export function verifySignature(buf) {
  const m = parseMachO(buf);
  const cs = m.codeSignature;
  if (!cs) throw new Error('no LC_CODE_SIGNATURE');
  const linkedit = m.segments.find((s) => s.name === '__LINKEDIT');
  if (cs.dataoff + cs.datasize > buf.length || linkedit.fileoff + linkedit.filesize !== buf.length || cs.dataoff < linkedit.fileoff)
    throw new Error('signature or __LINKEDIT does not end the file');
  const sb = buf.subarray(cs.dataoff, cs.dataoff + cs.datasize);
  if (sb.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) throw new Error('no embedded-signature superblob at LC_CODE_SIGNATURE.dataoff');
  const blobs = new Map();
  for (let i = 0, n = sb.readUInt32BE(8); i < n; i++) {
    const type = sb.readUInt32BE(12 + 8 * i);
    const off = sb.readUInt32BE(16 + 8 * i);
    blobs.set(type, sb.subarray(off, off + sb.readUInt32BE(off + 4)));
  }
  const cd = blobs.get(0);
  if (!cd || cd.readUInt32BE(0) !== CSMAGIC_CODEDIRECTORY) throw new Error('no CodeDirectory');
  const flags = cd.readUInt32BE(12);
  const hashOffset = cd.readUInt32BE(16);
  const id = cstr(cd, cd.readUInt32BE(20), 256);
  const nSpecial = cd.readUInt32BE(24);
  const nCode = cd.readUInt32BE(28);
  const codeLimit = cd.readUInt32BE(32);
  const hashSize = cd[36];
  const hashType = cd[37];
  const pageSize = 2 ** cd[39];
  if (hashType !== CS_HASHTYPE_SHA256 || hashSize !== 32) throw new Error(`hash type ${hashType}/${hashSize}, expected SHA-256`);
  if (codeLimit !== cs.dataoff) throw new Error(`codeLimit ${codeLimit} != signature offset ${cs.dataoff}`);
  if (nCode !== Math.ceil(codeLimit / pageSize)) throw new Error(`${nCode} code slots for ${codeLimit} bytes in ${pageSize}-byte pages`);
  const hash = (data) => createHash('sha256').update(data).digest();
  for (let i = 0; i < nCode; i++) {
    const page = buf.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit));
    if (!hash(page).equals(cd.subarray(hashOffset + i * 32, hashOffset + (i + 1) * 32))) throw new Error(`page ${i} hash mismatch`);
  }
  // Special slots count down from hashOffset: 2 = requirements, 5 = entitlements, 7 = DER entitlements, …
  for (let slot = 1; slot <= nSpecial; slot++) {
    const stored = cd.subarray(hashOffset - slot * 32, hashOffset - (slot - 1) * 32);
    const blob = blobs.get(slot);
    if (blob ? !hash(blob).equals(stored) : stored.some((b) => b !== 0)) throw new Error(`special slot ${slot} mismatch`);
  }
  return { id, flags, pageSize, codeSlots: nCode, specialSlots: nSpecial, blobTypes: [...blobs.keys()], codeLimit };
}

/**
 * The executable without its code signature, for macho-sign to sign anew: Bun's --compile appends the program to the
 * Bun binary of the target and leaves that binary's signature (Oven's, for darwin-x64) behind, no longer matching.
 * The signature is the tail of __LINKEDIT: the file is cut where it starts, __LINKEDIT's file size shortened by as
 * much, and the LC_CODE_SIGNATURE load command removed (the ones after it move up; the freed bytes are zeroed).
 */
export function stripSignature(buf) {
  const m = parseMachO(buf);
  const cs = m.codeSignature;
  if (!cs) return buf;
  if (cs.dataoff + cs.datasize !== buf.length) throw new Error('the code signature does not end the file');
  const out = Buffer.from(buf.subarray(0, cs.dataoff));
  const ncmds = out.readUInt32LE(16);
  const sizeofcmds = out.readUInt32LE(20);
  let signatureCmd;
  for (let i = 0, off = 32; i < ncmds; off += out.readUInt32LE(off + 4), i++) {
    const cmd = out.readUInt32LE(off);
    if (cmd === LC_CODE_SIGNATURE) signatureCmd = { off, size: out.readUInt32LE(off + 4) };
    if (cmd === LC_SEGMENT_64 && cstr(out, off + 8, 16) === '__LINKEDIT') {
      const fileoff = Number(out.readBigUInt64LE(off + 40));
      if (cs.dataoff < fileoff) throw new Error('the code signature is not in __LINKEDIT');
      out.writeBigUInt64LE(BigInt(cs.dataoff - fileoff), off + 48);
    }
  }
  const end = 32 + sizeofcmds;
  out.copy(out, signatureCmd.off, signatureCmd.off + signatureCmd.size, end);
  out.fill(0, end - signatureCmd.size, end);
  out.writeUInt32LE(ncmds - 1, 16);
  out.writeUInt32LE(sizeofcmds - signatureCmd.size, 20);
  if (parseMachO(out).codeSignature) throw new Error('LC_CODE_SIGNATURE still present after stripping');
  return out;
}

/**
 * After macho-sign: ad hoc, identifier `id`, every hash right, no byte changed past the load commands compared with
 * `unsigned` (what was signed), and the segment `segment` (the program: NODE_SEA, or Bun's __BUN) present.
 */
export function checkMachOSignature(signed, { unsigned, id, segment }) {
  const sig = verifySignature(signed);
  if (!(sig.flags & CS_ADHOC)) throw new Error(`CodeDirectory flags 0x${sig.flags.toString(16)}: not ad hoc`);
  if (sig.id !== id) throw new Error(`identifier ${sig.id}, expected ${id}`);
  const m = parseMachO(signed);
  const start = Math.max(m.headerEnd, parseMachO(unsigned).headerEnd);
  if (unsigned.length > sig.codeLimit || !signed.subarray(start, unsigned.length).equals(unsigned.subarray(start)))
    throw new Error('signing moved or changed bytes after the load commands');
  if (signed.subarray(unsigned.length, sig.codeLimit).some((b) => b !== 0)) throw new Error('non-zero padding before the signature');
  if (!m.segments.some((s) => s.name === segment)) throw new Error(`no ${segment} segment`);
  return sig;
}

/** checkMachOSignature for a Node SEA (postject's output), and the SEA blob in NODE_SEA/__NODE_SEA_BLOB. */
export function checkMachO(signed, { unsigned, blob, id }) {
  const sig = checkMachOSignature(signed, { unsigned, id, segment: 'NODE_SEA' });
  const sect = parseMachO(signed)
    .segments.find((s) => s.name === 'NODE_SEA')
    ?.sections.find((s) => s.name === '__NODE_SEA_BLOB');
  if (!sect || !signed.subarray(sect.offset, sect.offset + sect.size).equals(blob))
    throw new Error('NODE_SEA/__NODE_SEA_BLOB does not hold the blob');
  return sig;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const buf = await readFile(process.argv[2]);
  const m = parseMachO(buf);
  console.log(
    JSON.stringify(
      { cputype: `0x${m.cputype.toString(16)}`, segments: m.segments.map((s) => `${s.name}@${s.fileoff}+${s.filesize}`), ...verifySignature(buf) },
      null,
      1,
    ),
  );
}
