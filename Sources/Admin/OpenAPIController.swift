public import Hummingbird
public import Net
import HTTPTypes
import NIOCore

/// `GET /openapi.json`: the embedded OpenAPI document, public (it describes, it grants nothing).
public struct OpenAPIController: Sendable {
    public init() {}

    public func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.cacheControl] = "public, max-age=300"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
