import HTTPTypes
import Net
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// The whole-request deadline on an embedded channel with virtual time: a late body closes
/// the connection at its due time, and keep-alive requests each get their own full deadline
/// although the handler keeps one timer per connection.
@Suite("RequestDeadlineHandler (embedded)")
struct RequestDeadlineHandlerTests {
    static let head = HTTPRequestPart.head(HTTPRequest(method: .post, scheme: "http", authority: "node", path: "/v1/chat/completions"))

    func connectedChannel(deadline: TimeAmount) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: RequestDeadlineHandler(deadline: deadline))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return channel
    }

    func send(_ part: HTTPRequestPart, on channel: EmbeddedChannel) throws {
        try channel.writeInbound(part)
        _ = try channel.readInbound(as: HTTPRequestPart.self)  // passed on unchanged
    }

    @Test func aBodyStillArrivingAtItsDeadlineClosesTheConnection() throws {
        let channel = try connectedChannel(deadline: .seconds(10))
        try send(Self.head, on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        try send(.body(ByteBuffer(string: "{")), on: channel)  // a trickled byte does not extend it
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func keepAliveRequestsEachGetTheirOwnDeadline() throws {
        let channel = try connectedChannel(deadline: .seconds(10))
        // t=0..1: a request that completes; its timer stays armed for t=10.
        try send(Self.head, on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        try send(.end(nil), on: channel)
        // t=8: the next request's body is due at t=18, not at the first one's t=10.
        channel.embeddedEventLoop.advanceTime(by: .seconds(7))
        try send(Self.head, on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))  // t=17: the t=10 timer re-armed
        #expect(channel.isActive)
        try send(.end(nil), on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))  // t=47: nothing in flight, no close
        #expect(channel.isActive)
        // A third request, never finished, is closed exactly at its own due time (t=57).
        try send(Self.head, on: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(9_999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }
}
