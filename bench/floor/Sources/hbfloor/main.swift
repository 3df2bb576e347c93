import Hummingbird
import NIOCore

// The floor: Hummingbird's default server, one route answering fixed bytes, no middleware.
let body = ByteBuffer(string: #"{"status":"ok"}"#)
let router = Router()
router.get("healthz") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
}
let port = Int(CommandLine.arguments.dropFirst().first ?? "18500") ?? 18500
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
