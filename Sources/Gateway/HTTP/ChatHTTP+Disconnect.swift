import Core
import Net
import Synchronization

extension ChatHTTP {
    /// Opens a gateway stream that dies with the client's connection: a disconnect while
    /// waiting for the first token cancels the attempt, and one later cancels the stream's
    /// source, so the upstream transfer is aborted at once (Hummingbird itself does not cancel handlers).
    static func openStream(_ gateway: Gateway, _ request: ChatRequest, principal: Principal,
                           context: AppRequestContext) async throws -> GatewayStream {
        let opening = Task { try await gateway.stream(request, principal: principal) }
        let watch = DisconnectWatch(cancelOpening: { opening.cancel() })
        context.onConnectionClose { watch.closed() }
        let stream = try await withTaskCancellationHandler { try await opening.value } onCancel: { opening.cancel() }
        watch.attach(stream.events.source)
        return stream
    }
}

/// Connects a connection's close to the stream it carries, whichever comes first. Holds the
/// stream weakly and lets go of the opening task once it is open: the connection keeps this
/// watch until its next request, and must not keep the last answer alive with it.
final class DisconnectWatch: Sendable {
    private struct State {
        var closed = false
        var cancelOpening: (@Sendable () -> Void)?
        weak var source: (any ChatEventSource)?
    }
    private let state: Mutex<State>

    init(cancelOpening: @escaping @Sendable () -> Void) {
        state = Mutex(State(cancelOpening: cancelOpening))
    }

    func attach(_ source: any ChatEventSource) {
        let closed = state.withLock { state in
            state.cancelOpening = nil
            state.source = source
            return state.closed
        }
        if closed { source.cancel() }
    }

    func closed() {
        let (cancelOpening, source) = state.withLock { state in
            state.closed = true
            defer { state.cancelOpening = nil; state.source = nil }
            return (state.cancelOpening, state.source)
        }
        cancelOpening?()
        source?.cancel()
    }
}
