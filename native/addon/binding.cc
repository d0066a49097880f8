// binding.cc — pgtrickle_native.node: the engine compiled by wasm2c, callable from Node.
//
//   call(request: string, catalog?: (requestText: string) => string | null,
//        options?: { maxMemoryBytes?: number, maxCallDepth?: number,
//                    log?: (level: number, message: string) => void }): string
//
// The catalog callback answers host.query synchronously while the engine waits; it must not
// call back into the engine (such a call throws). Log messages are delivered after the engine
// returns, so no JavaScript runs inside wasm except the catalog callback. A trap throws an Error
// whose `kind` is "trap", "out-of-memory" or "reentered"; a throwing callback's own exception is
// rethrown. The engine state never survives a call.
#define NAPI_DISABLE_CPP_EXCEPTIONS
#include <napi.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "addon_host.h"

namespace {

constexpr uint64_t kDefaultMaxMemoryBytes = 256ull * 1024 * 1024;
// At most 384 bytes per engine frame (see native/engine_host.c): about 3 MiB of C stack.
constexpr uint32_t kDefaultMaxCallDepth = 8000;

// What the import callbacks need during one call.
struct CallContext {
  Napi::Env env;
  Napi::Function catalog;
  std::vector<std::pair<int, std::string>> logs;
};

// host.query: asks the JavaScript catalog callback; a throw or a non-string answer fails.
char *AnswerQuery(void *opaque, const char *request, size_t length, size_t *answer_length, bool *failed) {
  auto *context = static_cast<CallContext *>(opaque);
  if (context->catalog.IsEmpty()) return nullptr;
  Napi::HandleScope scope(context->env);
  Napi::Value answer = context->catalog.Call({Napi::String::New(context->env, request, length)});
  if (context->env.IsExceptionPending()) {
    *failed = true;
    return nullptr;
  }
  if (answer.IsNull() || answer.IsUndefined()) return nullptr;
  if (!answer.IsString()) {
    Napi::TypeError::New(context->env, "catalog callback must return a string or null").ThrowAsJavaScriptException();
    *failed = true;
    return nullptr;
  }
  std::string text = answer.As<Napi::String>().Utf8Value();
  char *copy = static_cast<char *>(std::malloc(text.size() + 1));
  if (copy == nullptr) {
    *failed = true;
    return nullptr;
  }
  std::memcpy(copy, text.data(), text.size() + 1);
  *answer_length = text.size();
  return copy;
}

// host.log: kept until the engine returns.
void CollectLog(void *opaque, int level, const char *message, size_t length) {
  static_cast<CallContext *>(opaque)->logs.emplace_back(level, std::string(message, length));
}

// The `kind` of the Error thrown for a failed call.
const char *StatusKind(addon_status status) {
  switch (status) {
    case ADDON_OUT_OF_MEMORY: return "out-of-memory";
    case ADDON_REENTERED: return "reentered";
    default: return "trap";
  }
}

// call(request, catalog?, options?): runs one request on a fresh engine instance.
Napi::Value Call(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "call(request: string, catalog?, options?)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string request = info[0].As<Napi::String>().Utf8Value();
  CallContext context{env, Napi::Function(), {}};
  if (info.Length() > 1 && info[1].IsFunction()) context.catalog = info[1].As<Napi::Function>();

  addon_limits limits = {kDefaultMaxMemoryBytes, kDefaultMaxCallDepth};
  Napi::Function log;
  if (info.Length() > 2 && info[2].IsObject()) {
    Napi::Object options = info[2].As<Napi::Object>();
    Napi::Value memory = options.Get("maxMemoryBytes");
    Napi::Value depth = options.Get("maxCallDepth");
    Napi::Value logger = options.Get("log");
    if (memory.IsNumber()) limits.max_memory_bytes = static_cast<uint64_t>(memory.As<Napi::Number>().Int64Value());
    if (depth.IsNumber()) limits.max_call_depth = depth.As<Napi::Number>().Uint32Value();
    if (logger.IsFunction()) log = logger.As<Napi::Function>();
  }

  addon_callbacks callbacks = {AnswerQuery, CollectLog, &context};
  char *response = nullptr;
  size_t response_length = 0;
  char error[1024];
  addon_status status = addon_engine_call(request.data(), request.size(), &callbacks, &limits,
                                          &response, &response_length, error, sizeof(error));
  if (status == ADDON_CALLBACK_FAILED && env.IsExceptionPending()) return env.Undefined();
  if (!log.IsEmpty()) {
    for (const auto &entry : context.logs) {
      log.Call({Napi::Number::New(env, entry.first), Napi::String::New(env, entry.second)});
      if (env.IsExceptionPending()) break;
    }
  }
  if (status != ADDON_OK) {
    std::free(response);
    if (env.IsExceptionPending()) return env.Undefined();
    Napi::Error failure = Napi::Error::New(env, error);
    failure.Set("kind", Napi::String::New(env, StatusKind(status)));
    failure.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::String result = Napi::String::New(env, response, response_length);
  std::free(response);
  return env.IsExceptionPending() ? env.Undefined() : result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("call", Napi::Function::New(env, Call, "call"));
  return exports;
}

}  // namespace

NODE_API_MODULE(pgtrickle_native, Init)
