/** @fileoverview The engine's ABI: the only exports. One JSON request in, one JSON response out. */

import { handleRequest } from "./dispatch";

// Kept alive by these globals for the duration of a call; the host re-instantiates the engine
// after every call (stub runtime), which is how memory is given back.
let requestBuffer: ArrayBuffer = new ArrayBuffer(0);
let responseBuffer: ArrayBuffer = new ArrayBuffer(0);

/** Reserves `length` bytes for the next request and returns where the host must write it. */
export function engineAlloc(length: i32): usize {
  requestBuffer = new ArrayBuffer(length);
  return changetype<usize>(requestBuffer);
}

/** Handles the UTF-8 JSON request of `length` bytes written at engineAlloc's address; returns the response length. */
export function engineHandle(length: i32): i32 {
  if (length > requestBuffer.byteLength) length = requestBuffer.byteLength;
  const request = String.UTF8.decodeUnsafe(changetype<usize>(requestBuffer), length);
  responseBuffer = String.UTF8.encode(handleRequest(request));
  return responseBuffer.byteLength;
}

/** The address of the last response (valid until the next call). */
export function engineResponse(): usize {
  return changetype<usize>(responseBuffer);
}
