/* A coordination room: live messages and presence over a WebSocket.
 *
 * The socket reconnects with exponential backoff and jitter (`nextWait`); after every
 * (re)connect the script asks the history API for everything after the last message it shows, so a
 * dropped connection loses nothing from the user's view. Rendering is keyed by message
 * id, so a message that arrives both live and from the history appears once.
 */
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root) return;

  var userId = Number(root.dataset.userId);
  var editWindowMs = Number(root.dataset.editWindow) * 1000;
  var lastReadAtLoad = Number(root.dataset.lastReadId);
  var log = document.getElementById("chat-log");
  var statusLine = document.getElementById("room-status");
  var presence = document.getElementById("presence");
  var form = document.getElementById("composer");
  var input = document.getElementById("composer-body");
  var errorLine = document.getElementById("composer-error");
  var cancelEdit = document.getElementById("composer-cancel");
  var sendButton = document.getElementById("composer-send");
  var olderButton = document.getElementById("load-older");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  var items = new Map(); // message id -> <li>
  var lastId = 0;
  var oldestId = null;
  var socket = null;
  var delay = 1000; // ceiling of the next reconnect's wait: doubles up to 30 s
  var editing = null;
  var readTimer = null;
  var pingTimer = null;

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "room-status" + (kind ? " " + kind : "");
  }


  var firstLoad = true; // only the first page carries the "unread since last visit" mark

  function render(message) {
    var li = items.get(message.id);
    if (!li) {
      li = document.createElement("li");
      li.id = "message-" + message.id;
      li.dataset.id = String(message.id);
      items.set(message.id, li);
      // Insert in id order: live frames and history pages may interleave.
      var after = null;
      for (var node = log.lastElementChild; node; node = node.previousElementSibling) {
        if (node.dataset.id && Number(node.dataset.id) < message.id) { after = node; break; }
      }
      if (after) after.after(li); else log.prepend(li);
    }
    var unread = firstLoad && message.id > lastReadAtLoad && message.author.id !== userId;
    li.className = "chat-msg" + (message.author.id === userId ? " mine" : "") +
      (message.deleted ? " deleted" : "") + (unread || li.classList.contains("unread") ? " unread" : "");
    li.textContent = "";
    var head = document.createElement("p");
    head.className = "chat-meta";
    var who = document.createElement("strong");
    who.textContent = message.author.name;
    var when = document.createElement("time");
    when.dateTime = message.created_at;
    when.textContent = message.created_label; // the portal's one style, from the server
    head.append(who, " ", when);
    if (li.classList.contains("unread")) {
      var badge = document.createElement("span");
      badge.className = "badge badge-new";
      badge.textContent = "new";
      head.append(" ", badge);
    }
    if (message.edited && !message.deleted) head.append(" (edited)");
    var body = document.createElement("div");
    body.className = "chat-body";
    if (message.deleted) {
      body.textContent = "Message deleted.";
    } else {
      body.innerHTML = message.body; // sanitised by the server (links and simple formatting)
    }
    li.append(head, body);
    if (message.document) {
      var ref = document.createElement("p");
      ref.className = "chat-doc";
      var link = document.createElement("a");
      link.href = message.document.url;
      link.textContent = message.document.title;
      ref.append("Document: ", link);
      li.append(ref);
      if (message.members_who_cannot_see) li.append(unseenNote(message.members_who_cannot_see));
    } else if (message.document_withdrawn) {
      li.append(hiddenReference());
    }
    var age = Date.now() - new Date(message.created_at).getTime();
    if (message.author.id === userId && !message.deleted && age < editWindowMs) {
      var tools = document.createElement("p");
      tools.className = "chat-tools";
      tools.append(tool("Edit", function () { startEdit(message, body); }),
                   " ", tool("Delete", function () { remove(message.id); }));
      li.append(tools);
    }
    if (message.id > lastId) lastId = message.id;
    if (oldestId === null || message.id < oldestId) oldestId = message.id;
  }

  function withdrawnReference() {
    var ref = document.createElement("p");
    ref.className = "chat-doc withdrawn";
    ref.textContent = "Document withdrawn: it is no longer available to you.";
    return ref;
  }

  // A reference this viewer never could see (a newer member, say), from history.
  function hiddenReference() {
    var ref = document.createElement("p");
    ref.className = "chat-doc withdrawn";
    ref.textContent = "A document you cannot see.";
    return ref;
  }

  // For the author: how many members cannot see a reference they posted.
  function unseenNote(count) {
    var note = document.createElement("p");
    note.className = "chat-doc-unseen help";
    note.textContent = count === 1
      ? "1 member of this room cannot see this document."
      : count + " members of this room cannot see this document.";
    return note;
  }

  function withdraw(ids) {
    ids.forEach(function (id) {
      var li = items.get(id);
      if (!li) return;
      var note = li.querySelector(".chat-doc-unseen");
      if (note) note.remove();
      var ref = li.querySelector(".chat-doc");
      if (ref) ref.replaceWith(withdrawnReference());
      else li.append(withdrawnReference());
    });
  }

  function markUnseen(counts) {
    Object.keys(counts).forEach(function (key) {
      var li = items.get(Number(key));
      if (!li || !li.querySelector(".chat-doc a")) return;
      var old = li.querySelector(".chat-doc-unseen");
      if (old) old.remove();
      if (counts[key]) li.querySelector(".chat-doc").after(unseenNote(counts[key]));
    });
  }

  function tool(label, action) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = label;
    button.addEventListener("click", action);
    return button;
  }

  function atBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
  }

  function renderAll(messages, scroll) {
    var stick = scroll || atBottom();
    messages.forEach(render);
    if (stick && log.lastElementChild) log.lastElementChild.scrollIntoView({ block: "nearest" });
    scheduleRead();
  }

  function history(params) {
    var url = root.dataset.historyUrl + "?" + new URLSearchParams(params).toString();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("history " + response.status);
        return response.json();
      });
  }

  function catchUp() {
    if (!lastId) {
      // First load: the newest page; older pages on request.
      return history({}).then(function (page) {
        renderAll(page.messages, true);
        firstLoad = false;
        olderButton.hidden = !page.has_more;
      });
    }
    // After a reconnect: everything after the last message shown, page by page.
    return history({ after: lastId }).then(function (page) {
      renderAll(page.messages, false);
      if (page.has_more) return catchUp();
    });
  }

  olderButton.addEventListener("click", function () {
    history({ before: oldestId }).then(function (page) {
      page.messages.forEach(render);
      olderButton.hidden = !page.has_more;
    });
  });

  function scheduleRead() {
    if (readTimer || !lastId) return;
    readTimer = setTimeout(function () {
      readTimer = null;
      if (document.visibilityState === "visible") sendFrame({ type: "read", id: lastId });
    }, 1000);
  }

  function renderPresence(users) {
    presence.textContent = "";
    users.forEach(function (user) {
      var li = document.createElement("li");
      var dot = document.createElement("span");
      dot.className = "presence-dot";
      dot.setAttribute("aria-hidden", "true");
      li.append(dot, user.name + (user.id === userId ? " (you)" : ""));
      presence.append(li);
    });
    if (!users.length) presence.innerHTML = '<li class="muted">Nobody</li>';
  }

  function sendFrame(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function startEdit(message, body) {
    editing = message.id;
    input.value = body.textContent;
    sendButton.textContent = "Save";
    cancelEdit.hidden = false;
    input.focus();
  }

  function stopEdit() {
    editing = null;
    input.value = "";
    sendButton.textContent = "Send";
    cancelEdit.hidden = true;
  }

  function remove(id) {
    if (window.confirm("Delete this message?")) sendFrame({ type: "message.delete", id: id });
  }

  cancelEdit.addEventListener("click", stopEdit);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    errorLine.textContent = "";
    if (!text) { errorLine.textContent = "Write a message first."; return; }
    var frame = editing
      ? { type: "message.edit", id: editing, body: text }
      : { type: "message.send", body: text, client_id: String(Date.now()) };
    if (!sendFrame(frame)) {
      errorLine.textContent = "Not connected: your text is kept here; send it again once reconnected.";
      return;
    }
    if (editing) stopEdit();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  function onFrame(frame) {
    switch (frame.type) {
      case "message":
      case "message.updated":
        renderAll([frame.message]);
        break;
      case "ack":
        input.value = "";
        break;
      case "document.withdrawn":
        withdraw(frame.messages);
        break;
      case "document.unseen":
        markUnseen(frame.messages);
        break;
      case "presence":
        renderPresence(frame.users);
        break;
      case "error":
        errorLine.textContent = frame.error;
        break;
    }
  }

  // Equal jitter: half the ceiling plus a random share of the other half, so that
  // the sockets one restart dropped do not all come back in the same second.
  function nextWait() {
    var wait = delay / 2 + Math.floor(Math.random() * (delay / 2));
    delay = Math.min(delay * 2, 30000);
    return wait;
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.socketUrl);
    socket.onopen = function () {
      setStatus("Connected", "ok");
      catchUp().catch(function () { setStatus("Connected; history unavailable", "warn"); });
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { sendFrame({ type: "ping" }); }, 25000);
    };
    socket.onmessage = function (event) {
      // A frame means the server joined this socket to the room. Opening is not
      // enough: while Redis is down the server accepts, then closes with 1013.
      delay = 1000;
      try { onFrame(JSON.parse(event.data)); } catch (e) { /* ignore a bad frame */ }
    };
    socket.onclose = function (event) {
      clearInterval(pingTimer);
      if (event.code === 4403 || event.code === 4404) {
        // Nothing of a room this person may no longer enter stays on screen.
        log.textContent = "";
        items.clear();
        if (olderButton) olderButton.hidden = true;
        setStatus("You no longer have access to this room.", "error");
        input.disabled = true;
        sendButton.disabled = true;
        return;
      }
      var wait = nextWait();
      setStatus("Connection lost; reconnecting in " + Math.max(1, Math.round(wait / 1000)) + " s…", "warn");
      setTimeout(connect, wait);
    };
  }

  document.addEventListener("visibilitychange", scheduleRead);
  connect();
})();
