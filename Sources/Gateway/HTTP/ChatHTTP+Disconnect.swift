import Core
import Net
import Synchronization

extension ChatHTTP {
    /// Opens a gateway stream that dies with the client's connection: a disconnect while
    /// waiting for the first token cancels the attempt, and one later cancels the pipe, so
    /// the upstream transfer is aborted at once (Hummingbird itself does not cancel handlers).
    static func openStream(_ gateway: Gateway, _ request: ChatRequest, principal: Principal,
                           context: AppRequestContext) async throws -> GatewayStream {
        let opening = Task { try await gateway.stream(request, principal: principal) }
        let watch = DisconnectWatch()
        context.onConnectionClose {
            opening.cancel()
            watch.closed()
        }
        let stream = try await withTaskCancellationHandler { try await opening.value } onCancel: { opening.cancel() }
        watch.attach(stream.events.pipe)
        return stream
    }
}

/// Connects a connection's close to the pipe of the stream it carries, whichever comes first.
final class DisconnectWatch: Sendable {
    private struct State { var closed = false; var pipe: ChatEventPipe? }
    private let state = Mutex(State())

    func attach(_ pipe: ChatEventPipe) {
        let closed = state.withLock { state in
            state.pipe = pipe
            return state.closed
        }
        if closed { pipe.cancel() }
    }

    func closed() {
        let pipe = state.withLock { state in
            state.closed = true
            defer { state.pipe = nil }
            return state.pipe
        }
        pipe?.cancel()
    }
}
