#ifndef CMBEDTLS_SHIMS_H
#define CMBEDTLS_SHIMS_H

#include <mbedtls/version.h>
#include <mbedtls/ssl.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/pk.h>
#include <mbedtls/ecp.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/base64.h>
#include <mbedtls/oid.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/debug.h>
// getrandom(2) for SecureRandom: the Glibc module does not include <sys/random.h>.
#include <sys/random.h>

// MBEDTLS_ERR_* and MBEDTLS_SSL_* constants are plain integer macros and import fine;
// these wrap the few function-like macros Swift cannot see.
static inline mbedtls_ecp_keypair *cmbedtls_pk_ec(mbedtls_pk_context *pk) { return mbedtls_pk_ec(*pk); }

#endif
