package rds

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The master password is never kept: CreateDBCluster turns it into the
// SCRAM-SHA-256 verifier PostgreSQL stores in pg_authid (RFC 5802 and
// RFC 7677, in PostgreSQL's text form), which the runtime hands to
// CREATE ROLE ... PASSWORD as is; PostgreSQL recognises a verifier and
// stores it unchanged. A verifier lets a server check a password, not
// recover it.
const (
	scramPrefix     = "SCRAM-SHA-256$"
	scramIterations = 4096 // PostgreSQL's scram_iterations default
	scramSaltLen    = 16   // PostgreSQL's SCRAM_DEFAULT_SALT_LEN
)

// scramVerifier returns "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"
// for password with a fresh random salt from random. PostgreSQL first
// normalises the password with SASLprep; master passwords are printable
// ASCII (checkMasterPassword), which SASLprep leaves as it is.
func scramVerifier(random io.Reader, password string) (string, error) {
	salt := make([]byte, scramSaltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return "", fmt.Errorf("generate salt: %w", err)
	}
	return scramVerifierWithSalt(password, salt, scramIterations)
}

func scramVerifierWithSalt(password string, salt []byte, iterations int) (string, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("derive salted password: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return scramPrefix + strconv.Itoa(iterations) + ":" + b64(salt) + "$" + b64(storedKey[:]) + ":" + b64(serverKey), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// isSCRAMVerifier reports whether s has the shape of a verifier (as
// opposed to a plaintext password kept by an older emulator).
func isSCRAMVerifier(s string) bool {
	rest, ok := strings.CutPrefix(s, scramPrefix)
	if !ok {
		return false
	}
	iter, keys, ok := strings.Cut(rest, "$")
	return ok && strings.Count(iter, ":") == 1 && strings.Count(keys, ":") == 1
}
