import Hummingbird
import NIOCore

// The floor: Hummingbird's default server, no middleware.
//   GET /healthz                 fixed bytes
//   POST /v1/chat/completions    collects the body, then one small SSE event a second until
//                                the client leaves: what an open stream costs the framework
//                                alone (no upstream transfer, no auth, no routing)
let body = ByteBuffer(string: #"{"status":"ok"}"#)
let event = ByteBuffer(string: "data: {\"choices\":[{\"delta\":{\"content\":\"tick\"}}]}\n\n")
let router = Router()
router.get("healthz") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
}
router.post("v1/chat/completions") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 1 << 20)
    return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init { writer in
        while !Task.isCancelled {
            try await writer.write(event)
            try await Task.sleep(for: .seconds(1))
        }
        try await writer.finish(nil)
    })
}
let port = Int(CommandLine.arguments.dropFirst().first ?? "18500") ?? 18500
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
