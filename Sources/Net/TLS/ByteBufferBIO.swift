internal import CMbedTLS
import NIOCore

/// The transport under one mbedTLS connection: mbedTLS "sends" into `outbound` and "receives"
/// from `inbound`; the handler moves those bytes to and from the NIO channel.
///
/// Invariants: only touched on the connection's event loop (the callbacks run inside
/// mbedtls_ssl_* calls the handler makes there). `send` never blocks or fails: it appends, and
/// the handler drains `outbound` after every mbedTLS call, so it holds at most what one call
/// produced. `inbound` holds ciphertext NIO has delivered but mbedTLS has not consumed yet,
/// bounded by what the handler read (it reads only on demand).
final class ByteBufferBIO {
    private var inbound: ByteBuffer?
    private var outbound: ByteBuffer
    private let allocator: ByteBufferAllocator

    init(allocator: ByteBufferAllocator) {
        self.allocator = allocator
        outbound = allocator.buffer(capacity: 0)
    }

    /// Ciphertext arrived from the network.
    func receiveFromNetwork(_ buffer: ByteBuffer) {
        if var existing = inbound, existing.readableBytes > 0 {
            inbound = nil   // drop our second reference so the append does not copy
            var buffer = buffer
            existing.writeBuffer(&buffer)
            inbound = existing
        } else {
            inbound = buffer
        }
    }

    /// Ciphertext mbedTLS produced, ready for the network; nil when there is none.
    func takeOutbound() -> ByteBuffer? {
        guard outbound.readableBytes > 0 else { return nil }
        let out = outbound
        outbound = allocator.buffer(capacity: 0)
        return out
    }

    var hasBufferedInbound: Bool { (inbound?.readableBytes ?? 0) > 0 }

    fileprivate func send(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
        outbound.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
        return Int32(clamping: count)
    }

    fileprivate func receive(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int32 {
        guard var buffer = inbound, buffer.readableBytes > 0 else { return MBEDTLS_ERR_SSL_WANT_READ }
        let n = min(count, buffer.readableBytes, Int(Int32.max))
        buffer.withUnsafeReadableBytes { raw in
            UnsafeMutableRawPointer(bytes).copyMemory(from: raw.baseAddress!, byteCount: n)
        }
        buffer.moveReaderIndex(forwardBy: n)
        inbound = buffer.readableBytes > 0 ? buffer : nil
        return Int32(n)
    }

    /// Installs the callbacks on `ssl`. `self` is passed unretained: the MbedTLSConnection that
    /// owns both the ssl context and this BIO frees the context first (deinit order).
    func install(on ssl: UnsafeMutablePointer<mbedtls_ssl_context>) {
        mbedtls_ssl_set_bio(ssl, Unmanaged.passUnretained(self).toOpaque(), { context, bytes, count in
            guard let context, let bytes else { return MBEDTLS_ERR_SSL_INTERNAL_ERROR }
            return Unmanaged<ByteBufferBIO>.fromOpaque(context).takeUnretainedValue().send(bytes, count)
        }, { context, bytes, count in
            guard let context, let bytes else { return MBEDTLS_ERR_SSL_INTERNAL_ERROR }
            return Unmanaged<ByteBufferBIO>.fromOpaque(context).takeUnretainedValue().receive(bytes, count)
        }, nil)
    }
}
