console.log('optical cli');
