/* The header bell: the unread count of notifications, live over /ws/notifications/. */
(function () {
  "use strict";
  var bell = document.querySelector(".bell[data-socket-url]");
  if (!bell || !window.WebSocket) return;
  var count = bell.querySelector(".bell-count");
  var delay = 1000; // ceiling of the next reconnect's wait: doubles up to 30 s

  function show(n) {
    count.dataset.count = String(n);
    count.firstChild.nodeValue = String(n);
  }

  // On the notifications page: what pointed at a room or document this person
  // may no longer see loses its title and link at once.
  function withdraw(id) {
    var item = document.querySelector('[data-notification-id="' + id + '"]');
    if (!item) return;
    var text = item.querySelector(".notification-text");
    if (!text) return;
    var note = document.createElement("span");
    note.className = "notification-text withdrawn";
    note.textContent = "Withdrawn: what this pointed to is no longer available to you.";
    text.replaceWith(note);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + bell.dataset.socketUrl);
    socket.onmessage = function (event) {
      // The first frame (the unread count) means the server joined this socket;
      // opening is not enough: while Redis is down it accepts, then closes (1013).
      delay = 1000;
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "unread") show(frame.count);
      if (frame.type === "notification") show(frame.unread);
      if (frame.type === "notification.withdrawn") {
        show(frame.unread);
        frame.notifications.forEach(withdraw);
      }
    };
    socket.onclose = function (event) {
      if (event.code === 4403 || event.code === 4404) return; // not allowed: stay quiet
      // Equal jitter, as the room's script: the bells one restart dropped spread out.
      setTimeout(connect, delay / 2 + Math.floor(Math.random() * (delay / 2)));
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
