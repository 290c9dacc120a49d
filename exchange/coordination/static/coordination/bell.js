/* The header bell: the unread count of notifications, live over /ws/notifications/. */
(function () {
  "use strict";
  var bell = document.querySelector(".bell[data-socket-url]");
  if (!bell || !window.WebSocket) return;
  var count = bell.querySelector(".bell-count");
  var delay = 1000;

  function show(n) {
    count.dataset.count = String(n);
    count.firstChild.nodeValue = String(n);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + bell.dataset.socketUrl);
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "unread") show(frame.count);
      if (frame.type === "notification") show(frame.unread);
    };
    socket.onclose = function (event) {
      if (event.code === 4403 || event.code === 4404) return; // not allowed: stay quiet
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
