"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.NOTIFICATION_REPOSITORY = void 0;
exports.NOTIFICATION_REPOSITORY = Symbol('NotificationRepository');
//# sourceMappingURL=notification.repository.js.map