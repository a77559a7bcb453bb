// A form marked data-disable-on-submit disables its submit buttons once submitted, so a double click sends one request.
// The server-side Idempotency-Key is what guarantees one order; this only spares the second request.
document.addEventListener('submit', event => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-disable-on-submit')) {
        return;
    }

    // After this tick, so the clicked button's own name/value still goes with the submission.
    setTimeout(() => {
        for (const button of form.querySelectorAll('button[type="submit"], button:not([type])')) {
            button.disabled = true;
            const busyText = form.getAttribute('data-disable-on-submit');
            if (busyText) {
                button.textContent = busyText;
            }
        }
    }, 0);
});

// Back to a page kept in the browser's cache: the form may be sent again (with the same key, so the same order).
window.addEventListener('pageshow', event => {
    if (!event.persisted) {
        return;
    }

    for (const button of document.querySelectorAll('form[data-disable-on-submit] button:disabled')) {
        button.disabled = false;
    }
});
