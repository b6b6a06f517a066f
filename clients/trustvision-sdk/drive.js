'use strict';
// Drives the vendor's published TrustVision JavaScript client (@tsocial/trustvision-sdk, unchanged, loaded
// through its package main) against a running ekyc-gateway, and prints ONE JSON object with what every step
// returned. Run by crates/gateway/tests/trustvision_client.rs, which makes the assertions.
//
// Environment:
//   TV_BASE_URL      the client's base URL (the gateway's `/api` prefix)
//   TV_ACCESS_KEY    access key id
//   TV_SECRET        its secret
//   TV_TRANSACTIONS  1 to construct the client with supportTransaction
//   TV_ENCRYPTION    1 to construct the client with enableEncryption
//   TV_FACES_DIR     directory holding obama_1.jpg, obama_2.jpg, biden_1.jpg
//   TV_COLLECTION    face collection name, unique per run
//
// Only the wire is observed (global fetch is wrapped to log method, path, status and the transaction
// header); every request is made by the client itself.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { resolveObjectURL } = require('buffer');

// The client's transaction manager times its queue with `window.performance`.
globalThis.window = globalThis.window || { performance: globalThis.performance };

const TrustVisionAPI = require('@tsocial/trustvision-sdk').default;

function env(name) {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${name} is required`);
  }
  return value;
}

const config = {
  base_url: env('TV_BASE_URL'),
  access_key: env('TV_ACCESS_KEY'),
  transactions: env('TV_TRANSACTIONS') === '1',
  encryption: env('TV_ENCRYPTION') === '1',
  collection: env('TV_COLLECTION'),
};
const secret = env('TV_SECRET');
const facesDir = env('TV_FACES_DIR');

// The methods the client wraps with its transaction and decryption decorators (TrustVisionAPI.js). Any
// other method hands back the raw body, so an encrypted `data` there is unreadable to a client user.
const DECORATED = new Set(['compareFaces', 'detectFaces', 'indexFaces', 'searchFaces', 'deleteFaces']);

// Wire log: one entry per HTTP exchange the client makes.
const wire = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async function observedFetch(url, options) {
  const headers = (options && options.headers) || {};
  const entry = {
    method: (options && options.method) || 'GET',
    path: new URL(String(url)).pathname,
    transaction: headers['X-TV-Transaction'] === undefined ? null : String(headers['X-TV-Transaction']),
    status: null,
    content_type: null,
  };
  wire.push(entry);
  const response = await realFetch(url, options);
  entry.status = response.status;
  entry.content_type = response.headers.get('content-type');
  if (entry.content_type && entry.content_type.includes('json')) {
    // Peek without consuming the body the client reads.
    try {
      const body = await response.clone().json();
      entry.data_is_string = typeof (body && body.data) === 'string';
      if (body && body.errors) entry.errors = body.errors;
    } catch (err) {
      entry.json_error = String(err);
    }
  }
  return response;
};

const api = new TrustVisionAPI(config.access_key, secret, config.base_url, {
  supportTransaction: config.transactions,
  enableEncryption: config.encryption,
});

const result = { config, steps: {}, wire };

// Call one client method and record the normalised outcome under `name`.
async function step(name, method, ...args) {
  const returned = await api[method](...args);
  if (returned === null || typeof returned !== 'object') {
    throw new Error(`${method} returned ${JSON.stringify(returned)}`);
  }
  let outcome;
  if (config.encryption && DECORATED.has(method) && !Object.prototype.hasOwnProperty.call(returned, 'data')) {
    // The client decrypted `data` itself and returned the plaintext, which is the data object.
    outcome = { data: returned, decrypted_by_client: true };
  } else {
    outcome = { data: returned.data, decrypted_by_client: false };
    if (returned.errors !== undefined) outcome.errors = returned.errors;
  }
  if (typeof outcome.data === 'string') {
    outcome.undecryptable = true;
    result.steps[name] = outcome;
    throw new Error(
      `${method}: the response's data is a string (${outcome.data.slice(0, 40)}...) that the client ` +
        (DECORATED.has(method) ? 'did not decrypt' : 'never decrypts (the method has no decryption decorator)'),
    );
  }
  result.steps[name] = outcome;
  return outcome;
}

// Resolve a blob URL the client handed back and describe the bytes.
async function blobAt(url) {
  if (typeof url !== 'string') throw new Error(`expected a blob URL, got ${JSON.stringify(url)}`);
  const blob = resolveObjectURL(url);
  if (!blob) throw new Error(`blob URL ${url} does not resolve`);
  const bytes = Buffer.from(await blob.arrayBuffer());
  URL.revokeObjectURL(url);
  const described = {
    type: blob.type,
    length: bytes.length,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    magic: bytes.subarray(0, 4).toString('hex'),
  };
  if (blob.type.includes('json')) described.json = JSON.parse(bytes.toString('utf8'));
  return described;
}

function imageFile(name) {
  const bytes = fs.readFileSync(path.join(facesDir, name));
  return new File([bytes], name, { type: 'image/jpeg' });
}

function imageId(outcome, what) {
  const id = outcome.data && outcome.data.image_id;
  if (typeof id !== 'string' || id === '') {
    throw new Error(`${what}: no data.image_id in ${JSON.stringify(outcome)}`);
  }
  return id;
}

async function main() {
  const obama1 = imageId(
    await step('upload_obama_1', 'uploadImage', {
      file: imageFile('obama_1.jpg'),
      label: 'portrait',
      metadata: JSON.stringify({ national_id: '123' }),
    }),
    'upload obama_1.jpg',
  );
  const obama2 = imageId(
    await step('upload_obama_2', 'uploadImage', { file: imageFile('obama_2.jpg'), label: 'portrait' }),
    'upload obama_2.jpg',
  );
  const biden1 = imageId(
    await step('upload_biden_1', 'uploadImage', { file: imageFile('biden_1.jpg'), label: 'portrait' }),
    'upload biden_1.jpg',
  );
  result.image_ids = { obama_1: obama1, obama_2: obama2, biden_1: biden1 };

  result.downloaded_image = await blobAt(await api.downloadImage(obama1));

  await step('update_metadata', 'updateMetadata', obama1, { metadata: { app_id: '5555' } });

  await step('compare_same', 'compareFaces', { image1: { id: obama1 }, image2: { id: obama2 } });
  await step('compare_different', 'compareFaces', { image1: { id: obama1 }, image2: { id: biden1 } });

  await step('detect', 'detectFaces', { image: { id: obama1 }, return_embedding: true });

  await step('index', 'indexFaces', { image: { id: obama1 }, collection: config.collection });
  const search = await step('search', 'searchFaces', {
    image: { id: obama2 },
    collection: config.collection,
    max_faces: 10,
  });

  const hits = search.data && Array.isArray(search.data.faces) ? search.data.faces : [];
  const firstHit = Array.isArray(hits[0]) ? hits[0][0] : undefined;
  if (firstHit && typeof firstHit.id === 'string') {
    result.face_image = { face_id: firstHit.id, ...(await blobAt(await api.downloadFaceImage(firstHit.id))) };
  } else {
    result.face_image = null;
  }

  await step('delete', 'deleteFaces', { image_ids: [obama1], collection: config.collection });
  await step('search_after_delete', 'searchFaces', {
    image: { id: obama2 },
    collection: config.collection,
    max_faces: 10,
  });

  await step('client_settings', 'clientSettings', {});
}

main().then(
  () => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
  (err) => {
    process.stderr.write(`drive.js failed: ${err && err.stack ? err.stack : err}\n`);
    process.stderr.write(`partial results: ${JSON.stringify(result)}\n`);
    process.exitCode = 1;
  },
);
