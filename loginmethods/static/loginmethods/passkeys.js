/* Passkey ceremonies (WebAuthn) for the login page, /me/passkeys/ and the
   password-setting page. No inline script: buttons carry their URLs in
   data-* attributes. The server speaks py_webauthn's JSON (base64url). */
(function () {
  "use strict";

  function b64urlToBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function bufferToB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: b64urlToBuffer(d.id), transports: d.transports };
    });
  }

  function creationOptions(o) {
    var opts = Object.assign({}, o, {
      challenge: b64urlToBuffer(o.challenge),
      user: Object.assign({}, o.user, { id: b64urlToBuffer(o.user.id) }),
      excludeCredentials: descriptors(o.excludeCredentials),
    });
    return { publicKey: opts };
  }

  function requestOptions(o) {
    var opts = Object.assign({}, o, { challenge: b64urlToBuffer(o.challenge) });
    if (o.allowCredentials) { opts.allowCredentials = descriptors(o.allowCredentials); }
    return { publicKey: opts };
  }

  function credentialJSON(cred) {
    var r = cred.response;
    var response = { clientDataJSON: bufferToB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = bufferToB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = bufferToB64url(r.authenticatorData);
      response.signature = bufferToB64url(r.signature);
      if (r.userHandle) { response.userHandle = bufferToB64url(r.userHandle); }
    }
    return {
      id: cred.id, rawId: bufferToB64url(cred.rawId), type: cred.type, response: response,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: cred.getClientExtensionResults(),
    };
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || response.statusText); }
        return data;
      });
    });
  }

  function showError(button, message) {
    var box = button.closest("section, form, main").querySelector("[data-passkey-error]");
    if (box) { box.textContent = message; box.hidden = false; }
  }

  function ceremonyError(button, error) {
    // The browser's own reason (cancelled, timed out) when it refused, else the server's.
    showError(button, error && error.message ? error.message : String(error));
    button.disabled = false;
  }

  function signIn(button) {
    button.disabled = true;
    post(button.dataset.begin).then(function (options) {
      return navigator.credentials.get(requestOptions(options));
    }).then(function (cred) {
      return post(button.dataset.complete, { credential: credentialJSON(cred),
                                             next: button.dataset.next || "" });
    }).then(function (data) {
      window.location.assign(data.redirect);
    }).catch(function (error) { ceremonyError(button, error); });
  }

  function register(button) {
    var nameInput = document.getElementById(button.dataset.nameInput || "");
    button.disabled = true;
    post(button.dataset.begin).then(function (options) {
      return navigator.credentials.create(creationOptions(options));
    }).then(function (cred) {
      return post(button.dataset.complete, { credential: credentialJSON(cred),
                                             name: nameInput ? nameInput.value : "" });
    }).then(function (data) {
      window.location.assign(data.redirect);
    }).catch(function (error) { ceremonyError(button, error); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-passkey-login], [data-passkey-register]");
    if (!button) { return; }
    event.preventDefault();
    if (!window.PublicKeyCredential) {
      showError(button, button.dataset.unsupported || "Passkeys are not supported here.");
      return;
    }
    if (button.hasAttribute("data-passkey-login")) { signIn(button); } else { register(button); }
  });
}());
