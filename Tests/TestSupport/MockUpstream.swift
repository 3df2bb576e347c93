public import FoundationEssentials
public import Hummingbird
import Logging
import NIOCore
import HTTPTypes
public import Net
import ServiceLifecycle
import Synchronization

/// What a mock upstream does next, set by the test.
public enum MockBehavior: Sendable {
    case normal
    case status(Int, retryAfter: Int?)
    /// Streams the first two frames (role, first content), then drops the connection.
    case cutMidStream
    /// Streams one event, then waits until the client goes away (records `aborted`).
    case hang
}

/// A local server speaking one provider's published wire format. Requests are validated
/// against that format; every violation is recorded and the test asserts there were none.
public final class MockUpstream: Sendable {
    public struct State {
        public var behavior: MockBehavior = .normal
        public var violations: [String] = []
        public var requests: [String] = []
        public var lastBody: JSONValue?
        public var aborted = false
        public var reply = "Hello from the mock"
        public var toolCall = false
    }

    let state = Mutex(State())
    public func update<T: Sendable>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }
    public var violations: [String] { update { $0.violations } }
    public var requests: [String] { update { $0.requests } }

    func violate(_ message: String) { update { $0.violations.append(message) } }

    func require(_ condition: Bool, _ message: String) -> Bool {
        if !condition { violate(message) }
        return condition
    }

    /// Starts the server with routes added by `configure`, runs `body` with its base URL.
    public static func run<T: Sendable>(_ configure: @Sendable (MockUpstream, Router<BasicRequestContext>) -> Void,
                                 _ body: @Sendable (MockUpstream, String) async throws -> T) async throws -> T {
        let mock = MockUpstream()
        let router = Router()
        configure(mock, router)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "mock") { _ in SwiftLogNoOpLogHandler() }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw MockError("mock did not start") }
        do {
            let result = try await body(mock, "http://127.0.0.1:\(port)")
            await stopGracefully(group, running)
            return result
        } catch {
            await stopGracefully(group, running)
            throw error
        }
    }

    /// Reads the body as JSON or records a violation.
    func json(_ request: Request) async -> JSONValue? {
        guard let buffer = try? await request.body.collect(upTo: 1 << 20) else { violate("unreadable body"); return nil }
        guard let json = JSONValue.parse(Data(buffer.readableBytesView)), json.objectValue != nil else {
            violate("body is not a JSON object")
            return nil
        }
        update { $0.lastBody = json; $0.requests.append(request.uri.path) }
        return json
    }

    /// A failure response when the test asked for one.
    func failure() -> Response? {
        guard case .status(let code, let retryAfter) = update({ $0.behavior }) else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: .init(code: code), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"mock failure \#(code)","type":"error"}}"#)))
    }

    /// Streams `frames`, honouring `.cutMidStream` and `.hang` after the first one.
    func stream(_ frames: [String], contentType: String) -> Response {
        let behavior = update { $0.behavior }
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for (index, frame) in frames.enumerated() {
                try await writer.write(ByteBuffer(string: frame))
                if index == 1, case .cutMidStream = behavior { throw MockError("cut") }
                if index == 1, case .hang = behavior {
                    do {
                        while true {
                            try await Task.sleep(for: .milliseconds(50))
                            try await writer.write(ByteBuffer(string: ": ping\n\n"))
                        }
                    } catch {
                        self.update { $0.aborted = true }
                        throw error
                    }
                }
            }
            try await writer.finish(nil)
        })
    }

    public static func jsonResponse(_ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Array(value.encoded()))))
    }
}

public struct MockError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
