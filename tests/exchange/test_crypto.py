"""Encryption at rest: round trips, tampering refused, rotation keeps files readable."""

from __future__ import annotations

import io
import os

from django.core.management import call_command
from django.test import override_settings

import pytest

from exchange import crypto
from exchange.crypto import HEADER, TAG_SIZE, Decryptor, EncryptingReader, TamperedFile
from exchange.downloads import data_key_of, open_decryptor
from exchange.models import DocumentVersion
from tests.exchange.conftest import make_expert, share, text_upload

CHUNK = 64 * 1024


def seal(plaintext: bytes, chunk_size: int = CHUNK):
    reader = EncryptingReader(io.BytesIO(plaintext), chunk_size=chunk_size)
    ciphertext = reader.read()
    return ciphertext, reader.sealed


def open_(ciphertext: bytes, sealed) -> bytes:
    return b"".join(Decryptor(io.BytesIO(ciphertext), sealed.data_key, sealed.file_id))


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 50 * 1000 * 1000]
)
def test_round_trip(size):
    plaintext = os.urandom(size)
    ciphertext, sealed = seal(plaintext, CHUNK if size < 10**6 else 1024 * 1024)
    assert open_(ciphertext, sealed) == plaintext
    assert sealed.size == size
    if size >= 16:  # shorter random strings can occur in ciphertext by chance
        assert plaintext[:64] not in ciphertext


def test_a_one_byte_file_and_an_empty_file_differ_in_length():
    empty, _ = seal(b"")
    one, _ = seal(b"x")
    assert len(empty) == HEADER.size + TAG_SIZE
    assert len(one) == HEADER.size + TAG_SIZE + 1


def _chunks(ciphertext: bytes, chunk_size: int = CHUNK) -> list[bytes]:
    body = ciphertext[HEADER.size :]
    step = chunk_size + TAG_SIZE
    return [body[i : i + step] for i in range(0, len(body), step)]


@pytest.mark.parametrize("position", [0, HEADER.size + 5, -1, "middle"])
def test_a_flipped_bit_is_rejected(position):
    ciphertext, sealed = seal(os.urandom(3 * CHUNK + 10))
    index = len(ciphertext) // 2 if position == "middle" else position
    tampered = bytearray(ciphertext)
    tampered[index] ^= 0x01
    with pytest.raises(TamperedFile):
        open_(bytes(tampered), sealed)


def test_nothing_past_a_corrupted_chunk_is_released():
    plaintext = os.urandom(4 * CHUNK)
    ciphertext, sealed = seal(plaintext)
    tampered = bytearray(ciphertext)
    tampered[HEADER.size + 2 * (CHUNK + TAG_SIZE) + 7] ^= 0x80  # inside chunk 2
    decryptor = Decryptor(io.BytesIO(bytes(tampered)), sealed.data_key, sealed.file_id)
    released = [decryptor.next_chunk(), decryptor.next_chunk()]
    assert b"".join(released) == plaintext[: 2 * CHUNK]
    with pytest.raises(TamperedFile):
        decryptor.next_chunk()
    assert decryptor.next_chunk() is None


@pytest.mark.parametrize("cut", ["whole_chunk", "inside_chunk", "all_chunks", "header"])
def test_a_truncated_file_is_rejected(cut):
    ciphertext, sealed = seal(os.urandom(3 * CHUNK + 100))
    chunks = _chunks(ciphertext)
    header = ciphertext[: HEADER.size]
    truncated = {
        "whole_chunk": header + b"".join(chunks[:-1]),
        "inside_chunk": ciphertext[:-50],
        "all_chunks": header,
        "header": ciphertext[:10],
    }[cut]
    with pytest.raises(TamperedFile):
        open_(truncated, sealed)


def test_a_file_truncated_at_a_chunk_boundary_of_a_whole_number_of_chunks():
    ciphertext, sealed = seal(os.urandom(2 * CHUNK))
    chunks = _chunks(ciphertext)
    with pytest.raises(TamperedFile):
        open_(ciphertext[: HEADER.size] + chunks[0], sealed)


def test_swapped_chunks_are_rejected():
    ciphertext, sealed = seal(os.urandom(3 * CHUNK))
    chunks = _chunks(ciphertext)
    swapped = ciphertext[: HEADER.size] + chunks[1] + chunks[0] + chunks[2]
    with pytest.raises(TamperedFile):
        open_(swapped, sealed)


def test_a_chunk_from_another_file_under_the_same_header_is_rejected():
    first, sealed = seal(os.urandom(2 * CHUNK))
    second, _ = seal(os.urandom(2 * CHUNK))
    graft = first[: HEADER.size] + _chunks(second)[0] + _chunks(first)[1]
    with pytest.raises(TamperedFile):
        open_(graft, sealed)


def test_the_wrong_data_key_is_rejected():
    ciphertext, sealed = seal(b"secret")
    sealed.data_key = os.urandom(32)
    with pytest.raises(TamperedFile):
        open_(ciphertext, sealed)


def test_a_wrapped_key_is_bound_to_its_file():
    kek = os.urandom(32)
    wrapped = crypto.wrap_key(b"k" * 32, b"a" * 16, kek)
    assert crypto.unwrap_key(wrapped, b"a" * 16, kek) == b"k" * 32
    with pytest.raises(TamperedFile):
        crypto.unwrap_key(wrapped, b"b" * 16, kek)


@pytest.mark.django_db
def test_key_rotation_keeps_every_file_readable_and_is_rerunnable(capsys):
    owner = make_expert("NL")
    contents = [f"file {i}\n".encode() * (i + 1) for i in range(3)]
    documents = [share(owner, upload=text_upload(content=c)) for c in contents]
    old_id = crypto.keyring().current_id

    def plaintexts():
        out = []
        for document in documents:
            handle, decryptor = open_decryptor(document.versions.get())
            with handle:
                out.append(b"".join(decryptor))
        return out

    assert plaintexts() == contents
    stored_before = {
        v.storage_name: v.wrapped_key for v in DocumentVersion.objects.all()
    }
    with override_settings(
        EXCHANGE_KEK="a-brand-new-key-encryption-key",
        EXCHANGE_PREVIOUS_KEKS=["test-only-exchange-key-encryption-key"],
    ):
        new_id = crypto.keyring().current_id
        assert new_id != old_id
        # An interrupted run: only the first version re-wrapped.
        call_command("rotate_exchange_key", limit=1)
        assert DocumentVersion.objects.filter(kek_id=new_id).count() == 1
        assert plaintexts() == contents
        call_command("rotate_exchange_key")
        call_command("rotate_exchange_key")  # nothing left to do
        assert set(DocumentVersion.objects.values_list("kek_id", flat=True)) == {new_id}
        assert plaintexts() == contents
        for version in DocumentVersion.objects.all():
            assert bytes(version.wrapped_key) != bytes(
                stored_before[version.storage_name]
            )
    # With the old key gone from settings the files stay readable under the new one.
    with override_settings(
        EXCHANGE_KEK="a-brand-new-key-encryption-key", EXCHANGE_PREVIOUS_KEKS=[]
    ):
        assert plaintexts() == contents
    # And without the new key, nothing decrypts: the data keys really were re-wrapped.
    with pytest.raises(TamperedFile):
        data_key_of(DocumentVersion.objects.first())
    assert "re-wrapped" in capsys.readouterr().out


def test_a_derived_copy_opens_only_with_its_file_key_id_and_purpose():
    data_key, file_id = os.urandom(32), os.urandom(16)
    facts = {"data_key": data_key, "file_id": file_id, "purpose": "search text"}
    nonce, sealed = crypto.seal_derived(b"derived text", **facts)
    assert b"derived text" not in sealed
    assert crypto.open_derived(nonce, sealed, **facts) == b"derived text"
    again, resealed = crypto.seal_derived(b"derived text", **facts)
    assert again != nonce and resealed != sealed  # a fresh nonce each time
    for change in (
        {"data_key": os.urandom(32)},
        {"file_id": os.urandom(16)},
        {"purpose": "another purpose"},
    ):
        with pytest.raises(TamperedFile):
            crypto.open_derived(nonce, sealed, **{**facts, **change})
    flipped = bytearray(sealed)
    flipped[0] ^= 1
    with pytest.raises(TamperedFile):
        crypto.open_derived(nonce, bytes(flipped), **facts)
