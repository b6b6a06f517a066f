#!/usr/bin/env node
// A client for the stateless dialect that does, step by step, what the vendor's Java sample does
// (shared/seeds/stateless-image-verification.txt L234-289), with the encryption the vendor's manual names
// (AES/GCM/NoPadding, GCMParameterSpec(128, iv.getBytes(UTF-8)), Base64.getEncoder(); spec 3.1).
// Written independently of the gateway's Rust code, with Node's built-in modules only.
//
// Usage:
//   node stateless_java_equivalent.mjs URL FIRST_IMAGE SECOND_IMAGE
//       POST the two files, encrypted, as UrlEncodedFormEntity would; print one JSON line:
//       {"status":200,"reason":"OK","x_request_id":"...","body":"..."}
//   node stateless_java_equivalent.mjs --self-test
//       check the spec's test vector (`hello` -> 7EWZ/NONkYfOjH/m+K3KKsDO4CZ/) and exit 0, or exit 1.
//
// Key and IV: the Java sample's (`new AESCipher("dcbbad...", "df25d188a061")`, L253), or
// EKYC_STATELESS_AES_KEY / EKYC_STATELESS_AES_IV when set.

import { createCipheriv } from "node:crypto";
import { readFileSync } from "node:fs";

const KEY = process.env.EKYC_STATELESS_AES_KEY ?? "dcbbad6765e14139a07d34b92292a672";
const IV = process.env.EKYC_STATELESS_AES_IV ?? "df25d188a061";

// AESCipher.encrypt(byte[]): Cipher.getInstance("AES/GCM/NoPadding") with
// SecretKeySpec(key.getBytes(UTF_8), "AES") and GCMParameterSpec(128, iv.getBytes(UTF_8)).
// Java's doFinal returns ciphertext followed by the 16-byte tag; Base64.getEncoder() is standard, padded.
function javaAesCipherEncrypt(plaintext, key = KEY, iv = IV) {
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(key, "utf8"), Buffer.from(iv, "utf8"), {
    authTagLength: 16,
  });
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([ciphertext, cipher.getAuthTag()]).toString("base64");
}

// UrlEncodedFormEntity(params): URLEncodedUtils.format with ISO-8859-1; unreserved characters are
// a-z A-Z 0-9 and - _ . *, a space becomes '+', every other byte %XX in upper case.
function javaUrlEncode(text) {
  let out = "";
  for (const byte of Buffer.from(text, "latin1")) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.*]/.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function urlEncodedFormEntity(pairs) {
  return pairs.map(([name, value]) => `${javaUrlEncode(name)}=${javaUrlEncode(value)}`).join("&");
}

async function post(url, firstPath, secondPath) {
  // Files.readAllBytes(...) -> cipher.encrypt(...) for each photo; only the two images are sent (L259-267).
  const params = [
    ["first_encrypted_image", javaAesCipherEncrypt(readFileSync(firstPath))],
    ["second_encrypted_image", javaAesCipherEncrypt(readFileSync(secondPath))],
  ];
  const body = Buffer.from(urlEncodedFormEntity(params), "latin1");
  const response = await fetch(url, {
    method: "POST",
    headers: {
      // What Apache HttpClient 4.5 sends for a UrlEncodedFormEntity; Content-Length follows from the
      // fixed-size body, as for the repeatable entity.
      "Content-Type": "application/x-www-form-urlencoded; charset=ISO-8859-1",
      "User-Agent": "Apache-HttpClient/4.5.14 (Java/17)",
      "Accept-Encoding": "gzip,deflate",
    },
    body,
  });
  const text = await response.text();
  process.stdout.write(
    JSON.stringify({
      status: response.status,
      reason: response.statusText,
      x_request_id: response.headers.get("x-request-id"),
      body: text,
    }) + "\n",
  );
}

function selfTest() {
  const got = javaAesCipherEncrypt(Buffer.from("hello"), "dcbbad6765e14139a07d34b92292a672", "df25d188a061");
  const want = "7EWZ/NONkYfOjH/m+K3KKsDO4CZ/";
  const encoded = javaUrlEncode(want);
  if (got !== want || encoded !== "7EWZ%2FNONkYfOjH%2Fm%2BK3KKsDO4CZ%2F") {
    console.error(`self-test failed: encrypt(hello) = ${got}, form value = ${encoded}`);
    process.exit(1);
  }
  console.log(`self-test ok: encrypt(hello) = ${got}`);
}

const args = process.argv.slice(2);
if (args[0] === "--self-test") {
  selfTest();
} else if (args.length === 3) {
  await post(args[0], args[1], args[2]);
} else {
  console.error("usage: stateless_java_equivalent.mjs URL FIRST_IMAGE SECOND_IMAGE | --self-test");
  process.exit(2);
}
