// After a passkey is registered, reload the account page so it lists the new device.
document.addEventListener("otp_webauthn.register_complete", () => {
  window.setTimeout(() => window.location.reload(), 600);
});
