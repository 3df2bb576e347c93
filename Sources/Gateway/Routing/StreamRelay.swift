/// Runs an upstream stream in its own task and reports the first outcome: the first event
/// (the stream is committed and handed out) or an error before any event (the caller may
/// fall back). Cancelling the handed-out stream cancels the task and thus the upstream.
enum StreamRelay {
    static func start(_ upstream: AsyncThrowingStream<ChatEvent, any Error>, provider: String,
                      onFirstEvent: @escaping @Sendable () async -> Void,
                      onEnd: @escaping @Sendable (Result<ChatAccumulator, ProviderError>) async -> Void)
        async -> Result<AsyncThrowingStream<ChatEvent, any Error>, ProviderError> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: ChatEvent.self)
        return await withCheckedContinuation { (first: CheckedContinuation<Result<AsyncThrowingStream<ChatEvent, any Error>, ProviderError>, Never>) in
            let task = Task {
                var committed = false
                var accumulator = ChatAccumulator()
                do {
                    for try await event in upstream {
                        accumulator.add(event)
                        continuation.yield(event)
                        if !committed {
                            committed = true
                            await onFirstEvent()
                            first.resume(returning: .success(events))
                        }
                    }
                    if !committed {
                        committed = true
                        await onFirstEvent()
                        first.resume(returning: .success(events))
                    }
                    continuation.finish()
                    await onEnd(.success(accumulator))
                } catch {
                    var failure = ProviderError.wrap(error, provider: provider)
                    if Task.isCancelled { failure = ProviderError(.cancelled, provider: provider, message: "client went away") }
                    if committed {
                        continuation.finish(throwing: failure)
                        await onEnd(.failure(failure))
                    } else {
                        first.resume(returning: .failure(failure))
                    }
                }
            }
            continuation.onTermination = { termination in
                // Only a consumer that went away cancels; finishing must not cancel what follows it.
                if case .cancelled = termination { task.cancel() }
            }
        }
    }
}
