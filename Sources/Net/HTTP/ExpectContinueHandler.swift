import NIOCore
import NIOHTTP1

/// Answers `Expect: 100-continue` with an interim `100 Continue` as soon as the head is read.
/// curl asks for it on bodies over 1 MB and otherwise waits a second before it sends the body
/// anyway; Hummingbird never sends it. Requests are read one at a time (no pipelining), so the
/// answer belongs to the request being read. A request refused later (413, 401) still gets its
/// final answer; the client has then sent a body nobody reads, as without the header.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), head.version == .http1_1,
           head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension ExpectContinueHandler: Sendable {}
